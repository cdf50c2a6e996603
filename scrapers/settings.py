"""Production Scrapy settings: safe by default (../shared/DESIGN.md, Reliability).

Scrapy's own defaults are loose (1 GiB DOWNLOAD_MAXSIZE, telnet console on, file:// and data:
handlers on, Retry-After ignored): each is tightened here, and tests/test_scrapy_settings.py
reads them back.
"""

import os

BOT_NAME = "tracker"
SPIDER_MODULES = ["scrapers.spiders"]
NEWSPIDER_MODULE = "scrapers.spiders"

# senate.gov answers anonymous programmatic clients with 403: say who we are.
USER_AGENT = os.environ.get("TRACKER_USER_AGENT",
                            "legislative-tracker/0.1 (civic data; set TRACKER_USER_AGENT to your contact)")
ROBOTSTXT_OBEY = True
TELNETCONSOLE_ENABLED = False
# Scrapy 2.19 starts a "remote control" HTTP server that executes posted Python code (token in the
# user's profile directory): never in an unattended production crawler.
REMOTE_CONTROL_ENABLED = False

# Size limits and timeouts (decompression bombs: Scrapy >= 2.14.2 applies the limit to the
# decompressed size too).
DOWNLOAD_MAXSIZE = 32 * 1024 * 1024
DOWNLOAD_WARNSIZE = 8 * 1024 * 1024
DOWNLOAD_TIMEOUT = 60
DNS_TIMEOUT = 20

# Politeness.
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

# Retries: bounded; Retry-After honoured by our middleware (Scrapy ignores the header).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_AFTER_MAX_SECONDS = 600

# Only http(s): no file://, data:, s3:// or ftp:// in production.
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "scrapers.middlewares.RetryAfterMiddleware": 550,
}
ITEM_PIPELINES = {
    "scrapers.pipelines.StorePipeline": 300,
}
# The run report the scheduler judges a crawl by (written only when TRACKER_RUN_REPORT is set).
EXTENSIONS = {
    "scrapers.extensions.RunReport": 500,
}

# Offline replay (tests, the demo, `tracker record`): set TRACKER_HTTPCACHE_DIR to replay recorded
# responses; missing entries are then ignored rather than fetched.
if os.environ.get("TRACKER_HTTPCACHE_DIR"):
    HTTPCACHE_ENABLED = True
    HTTPCACHE_DIR = os.environ["TRACKER_HTTPCACHE_DIR"]
    HTTPCACHE_IGNORE_MISSING = True
    HTTPCACHE_EXPIRATION_SECS = 0
    HTTPCACHE_POLICY = "scrapy.extensions.httpcache.DummyPolicy"
    HTTPCACHE_STORAGE = "scrapy.extensions.httpcache.FilesystemCacheStorage"

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("TRACKER_LOG_LEVEL", "INFO")
