# Passerelle: one OpenID Connect provider for the immigration portals (and the sample
# portal, `python -m sample_portal`, which docker-compose.yml runs from the same image).
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1

RUN useradd --create-home --uid 10001 idp
WORKDIR /app
COPY pyproject.toml README.md ./
COPY idp ./idp
COPY keys ./keys
COPY consent ./consent
COPY adapters ./adapters
COPY sample_portal ./sample_portal
RUN pip install . && rm -rf /root/.cache

USER idp
# The data dir (embedded mode) and the sample portals' credentials volume, owned by idp.
RUN mkdir -p /home/idp/data /home/idp/portals
ENV IDP_DATA_DIR=/home/idp/data
EXPOSE 8000
# Readiness: the database, Redis and the signing keys answer (503 naming the part otherwise).
HEALTHCHECK --interval=30s --timeout=5s --retries=3 \
  CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status == 200 else 1)"
ENTRYPOINT ["idp"]
CMD ["serve", "--host", "0.0.0.0", "--port", "8000"]
