#!/bin/sh
curl --cacert ca.crt -u elastic:P72vSTXCDAF6J7 https://es:9200/_snapshot/backup
curl -s --user 'api:SzQNM9gZiJ!0kZ' \
    https://api.mailgun.net/v3/mg.acme.dev/messages
curl -u ":zsC0Kd9VD9BqVGx4d3YB56UC" https://api.acme.dev/v1/jobs
curl -u "$ES_USER:$ES_PASSWORD" https://es:9200/_cluster/health
curl -u admin:changeme https://localhost:9200
curl -X POST -H "Api-Token: GZLbsfG3I0mZGCiRh29fd6" https://api.acme.dev/v1/deploy
curl -H 'X-Octopus-ApiKey: API-LBA6M33MRHI2YV7E04Z8LULD4PR' https://octopus.acme.dev/api
curl -H "Content-Type: application/json" -H "X-Api-Key: $API_KEY" https://api.acme.dev/
