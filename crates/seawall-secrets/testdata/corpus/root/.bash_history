ls -la
huggingface-cli login --token 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
export OPENAI_API_KEY=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
python train.py --epochs 3
mysql -h db -u root --password=iK7rAN@ZF2uBqA
aws configure set aws_secret_access_key KMuaqaOfvETP/daTNOIx8EBe7qOnyuxEQ76e2Dxx
docker run --gpus all -e HF_TOKEN -p 8888:8888 jupyter
kubectl get pods -n ml
cd /tmp && rm -rf cache
