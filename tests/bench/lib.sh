# What the benchmark scripts share (source it): a private mosquitto on a
# free loopback port with unlimited queues, and the monitor in a 200x60
# tmux pane. The caller's EXIT trap stops what these start
# ($bench_broker, the tmux server of its socket).

bench_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# bench_start_broker DIR [CONFIG LINE...]: starts mosquitto with DIR's
# mosquitto.conf (unlimited queues, no persistence, plus the lines given);
# sets bench_port and bench_broker (its pid) and returns once it accepts.
bench_start_broker() {
  local dir=$1; shift
  local mosquitto
  mosquitto=$(command -v mosquitto || echo /usr/sbin/mosquitto)
  bench_port=$(bench_free_port)
  {
    printf 'listener %s 127.0.0.1\nallow_anonymous true\nuser %s\npersistence false\n' \
      "$bench_port" "$(id -un)"
    printf 'max_queued_messages 0\nmax_queued_bytes 0\n'
    [ $# -gt 0 ] && printf '%s\n' "$@"
  } >"$dir/mosquitto.conf"
  "$mosquitto" -c "$dir/mosquitto.conf" >"$dir/mosquitto.log" 2>&1 &
  bench_broker=$!
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$bench_port") 2>/dev/null && return 0
    sleep 0.05
  done
  echo "mosquitto did not start: $(cat "$dir/mosquitto.log")" >&2
  return 1
}

# bench_start_monitor SOCK DIR ENV THINGTOP ARGS...: the monitor in tmux
# session "b" (200x60) on socket SOCK, run in DIR with the environment
# assignments ENV; its pid goes to DIR/pid and "EXIT=status" shows in the
# pane when it quits. Returns once its header says it is connected to
# bench_port (60 s at most).
bench_start_monitor() {
  local sock=$1 dir=$2 env=$3; shift 3
  tmux -L "$sock" -f /dev/null new-session -d -s b -x 200 -y 60 -c "$dir" \
    "bash -c 'echo \$\$ >$dir/pid; exec env LANG=C.UTF-8 LC_ALL=C.UTF-8 TERM=tmux-256color $env $* 2>$dir/monitor.err'; echo EXIT=\$?; sleep 600"
  for _ in $(seq 600); do
    tmux -L "$sock" capture-pane -p -t b | grep -q "^connected .*:$bench_port" && return 0
    sleep 0.1
  done
  tmux -L "$sock" capture-pane -p -t b
  cat "$dir/monitor.err"
  echo "the monitor did not connect" >&2
  return 1
}
