# bash completion for graf-index, graf-search and graf-eval  -*- shell-script -*-
# Installed as completions/graf-index, graf-search and graf-eval.
#
# The options are read from the program's own --help (once per shell), so
# that completion never falls behind the program.

# The long options PROGRAM's --help lists.
_graf_options()
{
	local var=_graf_opts_${1//-/_}
	if [[ -z ${!var} ]]; then
		printf -v "$var" '%s' "$("$1" --help 2>/dev/null |
			sed -n 's/^ *\(-[A-Za-z], \)\{0,1\}\(--[a-z0-9][a-z0-9-]*\).*/\2/p' |
			tr '\n' ' ')"
	fi
	printf '%s\n' "${!var}"
}

_graf_index()
{
	local cur=$1 prev=$2
	case $prev in
	-i | --index) compgen -f -- "$cur"; return ;;
	-l | --language) graf-index --list-languages 2>/dev/null | grep -- "^$cur"; return ;;
	--input-format) compgen -W 'auto text jsonl trec' -- "$cur"; return ;;
	--wait) return ;;
	esac
	if [[ $cur == -* ]]; then
		compgen -W "$(_graf_options graf-index)" -- "$cur"
	else
		compgen -f -- "$cur"
	fi
}

_graf_search()
{
	local cur=$1 prev=$2
	case $prev in
	-i | --index | -q | --queries) compgen -f -- "$cur"; return ;;
	--format) compgen -W 'text json tsv trec' -- "$cur"; return ;;
	--unit) compgen -W 'paragraph article' -- "$cur"; return ;;
	--color) compgen -W 'auto always never' -- "$cur"; return ;;
	--topic-field) compgen -W 'title desc' -- "$cur"; return ;;
	-n | --limit | --offset | -C | --context | --run-tag | --k1 | --b | --title-weight | \
		--proximity | --phrase-boost | --fb-docs | --fb-terms | --fb-weight) return ;;
	esac
	if [[ $cur == -* ]]; then
		compgen -W "$(_graf_options graf-search)" -- "$cur"
	fi
}

_graf_eval()
{
	local cur=$1 prev=$2
	case $prev in
	--format) compgen -W 'text json' -- "$cur"; return ;;
	-m | --measure | -M | -l) return ;;
	esac
	if [[ $cur == -* ]]; then
		compgen -W "$(_graf_options graf-eval)" -- "$cur"
	else
		compgen -f -- "$cur"
	fi
}

_graf_complete()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	case ${COMP_WORDS[0]##*/} in
	graf-index) mapfile -t COMPREPLY < <(_graf_index "$cur" "$prev") ;;
	graf-search) mapfile -t COMPREPLY < <(_graf_search "$cur" "$prev") ;;
	graf-eval) mapfile -t COMPREPLY < <(_graf_eval "$cur" "$prev") ;;
	esac
}
complete -o filenames -F _graf_complete graf-index graf-search graf-eval
