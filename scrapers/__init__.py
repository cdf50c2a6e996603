"""The Scrapy project: spiders navigate, parsers extract, importers + pipelines store."""
