FROM rockylinux:9.3
RUN dnf install -y python3 python3-pip git
RUN microdnf install -y gcc-11.4.1 && microdnf clean all
USER 1000
CMD ["python3", "train.py"]
