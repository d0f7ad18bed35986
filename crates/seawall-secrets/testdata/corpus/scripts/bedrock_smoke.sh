#!/bin/sh
# smoke test of the Bedrock endpoint
export AWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleS1KCwYPfVAeNmGYJ4oxKv3dc5K7xzFd1GV0y3oJk9/y4itgqonSp6Fvfmk9IgWCi2AljRuTMjzLtIPhiH/zab49oWNGCTiRd8v6KYX0Wi0gO0N=
curl -s https://bedrock-runtime.us-east-1.amazonaws.com/model/x/converse \
  -H "Authorization: Bearer $AWS_BEARER_TOKEN_BEDROCK" -d @body.json
SHORT=bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29tLz9BY3Rpb249Q2FsbFdpdGhCZWFyZXJUb2tlbi0CudyekmIutAPvUmVvJoQFLG/SHxxyUJZDstHMTnTV+49gBmHt3PfU68gS9qz/tHRjnuQXPB9TODXNcohl+6d8g+gPp//rHbjvw/CsMHvnMc8o/u1JvunnYEWNd9md1t8Rn2C+ltb3pvdnJx0/Lr8JRjVCu2bXfT4JITnf0lWG8wuCP9/WKO
