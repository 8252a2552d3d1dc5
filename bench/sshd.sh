# Sourced by the benchmarks that check over SSH (bench/check/run.sh, bench/realtime/run.sh).
# start_sshd DIR: a loopback sshd on a free port with its own host key, user key and known_hosts in DIR (needs root).
# Sets SSHD_PID (the caller stops it), SSH_PORT, SSH_USER, SSH_KEY, SSH_KNOWN_HOSTS and SSH_OPTS (for ssh and rsync -e).
start_sshd() {
  local dir=$1
  mkdir -p /run/sshd "$dir"
  ssh-keygen -q -t ed25519 -N "" -f "$dir/host"
  ssh-keygen -q -t ed25519 -N "" -f "$dir/user"
  cp "$dir/user.pub" "$dir/authorized_keys"
  SSH_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  cat >"$dir/sshd_config" <<CONF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $dir/host
PidFile $dir/sshd.pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
MaxStartups 100
LogLevel ERROR
CONF
  /usr/sbin/sshd -D -e -f "$dir/sshd_config" 2>"$dir/sshd.log" &
  SSHD_PID=$!
  SSH_KEY="$dir/user"
  SSH_KNOWN_HOSTS="$dir/known_hosts"
  echo "[127.0.0.1]:$SSH_PORT $(cut -d' ' -f1,2 "$dir/host.pub")" >"$SSH_KNOWN_HOSTS"
  for _ in $(seq 50); do (echo >"/dev/tcp/127.0.0.1/$SSH_PORT") 2>/dev/null && break; sleep 0.1; done
  SSH_USER=$(id -un)
  SSH_OPTS="-p $SSH_PORT -i $SSH_KEY -o IdentitiesOnly=yes -o UserKnownHostsFile=$SSH_KNOWN_HOSTS -o BatchMode=yes -o StrictHostKeyChecking=yes -o LogLevel=ERROR"
  ssh $SSH_OPTS "$SSH_USER@127.0.0.1" true
}
