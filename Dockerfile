# One image for migrate, scheduler and api (docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml setup.py README.md scrapy.cfg metadata.yml* ./
COPY db ./db
COPY tracker ./tracker
COPY scrapers ./scrapers
COPY schedules ./schedules
COPY bench ./bench
# gcc builds the optional C walk of the bill-text parser (tracker/diff/_ctree.c; without it the
# install still succeeds and the pure-Python walk runs), then leaves the image.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev \
    && pip install --no-cache-dir . \
    && apt-get purge -y --auto-remove gcc libc6-dev && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home tracker
USER tracker
ENTRYPOINT ["tracker"]
CMD ["--help"]
