# One image for migrate, scheduler and api (docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md scrapy.cfg metadata.yml* ./
COPY db ./db
COPY tracker ./tracker
COPY scrapers ./scrapers
COPY schedules ./schedules
COPY bench ./bench
RUN pip install --no-cache-dir . && useradd --create-home tracker
USER tracker
ENTRYPOINT ["tracker"]
CMD ["--help"]
