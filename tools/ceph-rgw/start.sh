#!/usr/bin/env bash
# A throw-away one-node Ceph cluster with an S3 gateway, for tests: a monitor, one OSD on
# memstore (RAM, nothing on disk but logs) and radosgw, all on 127.0.0.1 and free ports, all
# state under DIR. No systemd. Debian: apt-get install -y radosgw ceph-mon ceph-osd.
#
#   tools/ceph-rgw/start.sh DIR
#
# Prints, once the gateway answers S3 requests:
#   READY endpoint=http://127.0.0.1:PORT region=us-east-1 accessKeyId=KEY secretAccessKey=SECRET
# and returns; DIR/stop.sh stops every daemon (their pids are in DIR/run/*.pid).
set -euo pipefail

dir="${1:?usage: start.sh DIR (a fresh temporary folder)}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
for bin in ceph-mon ceph-osd radosgw radosgw-admin ceph ceph-authtool monmaptool node; do
  command -v "$bin" >/dev/null 2>&1 || { echo "start.sh: $bin is missing; apt-get install -y radosgw ceph-mon ceph-osd" >&2; exit 69; }
done

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
mon_port="$(free_port)"
rgw_port="$(free_port)"
fsid="$(cat /proc/sys/kernel/random/uuid)"
conf="$dir/ceph.conf"
mkdir -p "$dir/run" "$dir/log" "$dir/mon/a" "$dir/osd/0" "$dir/rgw"

cat >"$dir/stop.sh" <<EOF
#!/usr/bin/env bash
# Stops the daemons started by start.sh in $dir (by pid), then removes nothing: the caller owns the folder.
for f in "$dir"/run/rgw.pid "$dir"/run/osd.pid "$dir"/run/mon.pid; do
  [ -f "\$f" ] && kill "\$(cat "\$f" 2>/dev/null)" 2>/dev/null || true
done
for i in \$(seq 1 50); do
  alive=0
  for f in "$dir"/run/*.pid; do [ -f "\$f" ] && kill -0 "\$(cat "\$f" 2>/dev/null)" 2>/dev/null && alive=1; done
  [ \$alive = 0 ] && exit 0
  sleep 0.1
done
for f in "$dir"/run/*.pid; do [ -f "\$f" ] && kill -9 "\$(cat "\$f" 2>/dev/null)" 2>/dev/null || true; done
EOF
chmod +x "$dir/stop.sh"
trap 'status=$?; if [ $status -ne 0 ]; then "$dir/stop.sh"; echo "start.sh: failed (exit $status); logs in $dir/log" >&2; fi' EXIT

cat >"$conf" <<EOF
[global]
fsid = $fsid
mon host = v2:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
ms bind ipv6 = false
ms_mon_client_mode = crc secure
ms_client_mode = crc secure
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
keyring = $dir/keyring
run dir = $dir/run
admin socket = $dir/run/\$name.asok
log file = $dir/log/\$name.log
log to stderr = false
err to stderr = false
mon data = $dir/mon/\$id
osd data = $dir/osd/\$id
osd objectstore = memstore
memstore device bytes = 2147483648
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
mon allow pool size one = true
mon allow pool delete = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
mon data avail warn = 1
mon data avail crit = 0
osd memory target = 536870912
[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$rgw_port
rgw data = $dir/rgw
rgw enable usage log = false
# Test clock for lifecycle rules: a "day" is 10 s, so expiry rules can be tested.
rgw lc debug interval = 10
EOF

# Keys: the monitor's, the admin's, the gateway's, the OSD's (the monitor imports them at mkfs).
ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
ceph-authtool "$dir/keyring" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
ceph-authtool "$dir/keyring" --gen-key -n client.rgw.a --cap mon 'allow rw' --cap osd 'allow rwx' >/dev/null
ceph-authtool "$dir/keyring" --gen-key -n osd.0 --cap mon 'allow profile osd' --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null

monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$mon_port]" "$dir/monmap" >/dev/null
ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring"
ceph-mon -c "$conf" -i a --pid-file "$dir/run/mon.pid"

cephc() { timeout 30 ceph -c "$conf" --connect-timeout 20 "$@"; }
cephc mon enable-msgr2 >/dev/null 2>&1 || true

osd_uuid="$(cat /proc/sys/kernel/random/uuid)"
osd_id="$(cephc osd new "$osd_uuid")"
[ "$osd_id" = 0 ] || { echo "start.sh: expected osd id 0, got $osd_id" >&2; exit 70; }
ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$osd_uuid" >/dev/null 2>&1
ceph-osd -c "$conf" -i 0 --pid-file "$dir/run/osd.pid"

# The gateway creates its pools itself once the OSD is up.
for i in $(seq 1 100); do
  cephc osd dump 2>/dev/null | grep -q '^osd.0 up' && break
  sleep 0.2
done

access_key="FT$(head -c 2048 /dev/urandom | tr -dc 'A-Z0-9' | head -c 18)"
secret_key="$(head -c 2048 /dev/urandom | tr -dc 'A-Za-z0-9' | head -c 40)"
radosgw -c "$conf" -n client.rgw.a --pid-file "$dir/run/rgw.pid"

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$rgw_port") 2>/dev/null; }
for i in $(seq 1 300); do
  listening && break
  sleep 0.1
done
listening || { echo "start.sh: radosgw did not answer on 127.0.0.1:$rgw_port" >&2; exit 70; }
timeout 60 radosgw-admin -c "$conf" -n client.admin user create --uid=facetag --display-name=facetag \
  --access-key="$access_key" --secret-key="$secret_key" >/dev/null

echo "READY endpoint=http://127.0.0.1:$rgw_port region=us-east-1 accessKeyId=$access_key secretAccessKey=$secret_key"
