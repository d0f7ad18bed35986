#!/usr/bin/env bash
export REPLICATE_API_TOKEN="r8_Yz0m6hElrVJosPZTYKcZwmosg4NtmCANEF7kB"
export GOOGLE_API_KEY='AIzaaENHRKPtReQMgvwQCxSAfVUNHY1q8obnBrr'
export HF_HOME=/models/cache
curl -u admin:secret https://nexus.corp.internal/repository/models/
psql "postgres://analytics:eCs2vJ.UK1aGtm@warehouse.internal/analytics" -c 'select 1'
sha256sum -c model.sha256
