#!/bin/sh
# Register the three sample portals of docker-compose.yml once, with `idp clients create`;
# each portal reads its credentials from /home/idp/portals/<name>.json (PORTAL_CLIENT_FILE).
# Running it again changes nothing. (`idp portals sync` with portal profiles will replace
# this script.)
set -eu

register() {
    slug=$1
    name=$2
    base=$3
    file="/home/idp/portals/$slug.json"
    if [ -s "$file" ]; then
        echo "$name: already registered"
        return
    fi
    idp clients create --json --name "$name" \
        --redirect-uri "$base/callback" \
        --post-logout-redirect-uri "$base/signed-out" \
        --grant-type authorization_code \
        --grant-type client_credentials \
        --grant-type urn:ietf:params:oauth:grant-type:token-exchange \
        --scope "openid profile email applications:write delegations:read" \
        --backchannel-logout-uri "$base/backchannel-logout" \
        --events-uri "$base/events" >"$file.tmp"
    mv "$file.tmp" "$file"
    echo "$name: registered"
}

register ircc "IRCC Portal" http://localhost:8101
register pr "Permanent Residence portal" http://localhost:8102
register representatives "Representatives' portal" http://localhost:8103
