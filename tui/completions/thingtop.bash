# bash completion for thingtop: subcommands, options, theme and column names.
# Installed as DATADIR/bash-completion/completions/thingtop.

_thingtop_columns="status client_id since since_received last_reason ip version session_id sessions disconnects duplicates connect_failures flags thing_type groups attr."
_thingtop_themes="dark light 16color high-contrast mono"

_thingtop()
{
	local cur prev cmd i
	COMPREPLY=()
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	cmd=
	for ((i = 1; i < COMP_CWORD; i++)); do
		case ${COMP_WORDS[i]} in
		-*) ;;
		*) cmd=${COMP_WORDS[i]}; break ;;
		esac
	done

	case $prev in
	-j|--journal|-o|--output|--ndjson|--truth|--metrics-file|--export|--cafile|--cert|--key)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	-c|--config)
		COMPREPLY=($(compgen -f -- "$cur")); return ;;
	--theme)
		COMPREPLY=($(compgen -W "$_thingtop_themes" -- "$cur")); return ;;
	-s|--sort|--columns)
		# A comma-separated list; '-' before a sort column reverses it.
		local head=${cur%,*} last=${cur##*,} c words=
		[ "$head" = "$cur" ] && head= || head="$head,"
		for c in $_thingtop_columns; do words="$words $head$c $head-$c"; done
		COMPREPLY=($(compgen -W "$words" -- "$cur")); return ;;
	--quirks)
		COMPREPLY=($(compgen -W "all none flapping storms reorder duplicates skew version-reset takeover keepalive connect-failed subscriptions malformed" -- "$cur")); return ;;
	--format)
		COMPREPLY=($(compgen -W "auto ndjson dynamodb" -- "$cur")); return ;;
	--speed)
		COMPREPLY=($(compgen -W "1 2 10 100 max" -- "$cur")); return ;;
	esac

	local opts
	case $cmd in
	"")
		if [[ $cur == -* ]]; then
			opts="-j --journal -c --config --broker --aws-endpoint --cafile --capath --cert --key --alpn -V --protocol --id --clean-session --no-connect --follow --theme --no-color --ascii --filter --sort --columns -h --help --version"
		else
			opts="record import export replay journal check sync simulate demo help"
		fi ;;
	record) opts="-c --config --broker --aws-endpoint -j --journal --qos -V --protocol --cafile --capath --cert --key --alpn --id --clean-session --connections -q --quiet --stats-interval --metrics-file -h --help" ;;
	import) opts="-j --journal -c --config -q --quiet -f --format -h --help" ;;
	export) opts="-j --journal -c --config -f --filter -s --sort -C --columns -a --at -o --output -h --help" ;;
	sync) opts="-j --journal -c --config -q --quiet --profile --region --query -h --help" ;;
	replay) opts="--speed --from --to --export -c --config --theme --no-color --ascii --filter --sort --alerts -h --help" ;;
	journal)
		if [ "$i" -eq $((COMP_CWORD - 1)) ] && [[ $cur != -* ]]; then
			opts="info check vacuum prune dump forget-session"
		else
			opts="-j --journal -c --config --broker -r --retain -m --max-size -F --from -T --to -f --filter -h --help"
		fi ;;
	check) opts="-j --journal -c --config --filter --warning --critical -h --help" ;;
	simulate) opts="--broker --qos --rate --things --events --duration --seed --quirks --ndjson --truth --realtime -h --help" ;;
	demo) opts="--things --rate -h --help" ;;
	help)
		COMPREPLY=($(compgen -W "record import export replay journal check sync simulate demo help columns flags filter -h --help" -- "$cur"))
		return ;;
	*) opts= ;;
	esac
	if [[ $cur != -* && $cmd != "" && $cmd != journal ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
		return
	fi
	COMPREPLY=($(compgen -W "$opts" -- "$cur"))
}
complete -F _thingtop thingtop
