#!/bin/sh
set -eu
export GITHUB_TOKEN=ghp_b98IcT8I5qdjsB0rkVLlxyO6LErd4zew4mGP
export NPM_TOKEN=npm_sFhANYx9YPVsIt5vQfewpqJ3E7bNX8boFJ17
twine upload -u __token__ -p pypi-AgEIcHlwaS5vcmcbsr6xwqZ1YAgh25d3ewZIpQjhqn3T1xtIBJp9-pvaZTKZng9u0kG5dO1kU-lssbwNnULQCcvpLwq5HwFIMBj3dxlxEP3RSm77J_AoKHaCYVeiXubeRUjkIIkNcp4XwdrUnDAK9u1l0iRnWD_knTu_z dist/*
echo "dckr_pat_abQPa_ICKkISrGrp3hZK3Ep7EN6" | docker login -u mlops --password-stdin
curl -H "Authorization: Bearer kB7LwwapcgJtUROk9NpDQZIn5QiVST2QWo643Ae9" https://api.internal.corp/v1/models
curl -s https://api.github.com/user -H "Authorization: token $GITHUB_TOKEN"
git clone https://github.com/org/private-models.git
