FROM gcr.io/distroless/python3-debian12:nonroot
COPY app/ /app/
HEALTHCHECK NONE
ENTRYPOINT ["python3", "/app/serve.py"]
