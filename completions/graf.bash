# bash completion for graf-index and graf-search                -*- shell-script -*-
# Installed as completions/graf-index and completions/graf-search.

_graf_index()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-i | --index) compgen -f -- "$cur"; return ;;
	-l | --language) graf-index --list-languages 2>/dev/null | grep -- "^$cur"; return ;;
	esac
	if [[ $cur == -* ]]; then
		compgen -W '--index --language --rebuild --quiet --verbose --list-languages
			--help --version' -- "$cur"
	else
		compgen -f -- "$cur"
	fi
}

_graf_search()
{
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD-1]}
	case $prev in
	-i | --index | -q | --queries) compgen -f -- "$cur"; return ;;
	--format) compgen -W 'text json tsv trec' -- "$cur"; return ;;
	--unit) compgen -W 'paragraph article' -- "$cur"; return ;;
	--color) compgen -W 'auto always never' -- "$cur"; return ;;
	-n | --limit | --offset | -C | --context | --run-tag) return ;;
	esac
	if [[ $cur == -* ]]; then
		compgen -W '--index --limit --offset --any --raw --unit --context --count
			--format --queries --run-tag --color --explain --help --version' -- "$cur"
	fi
}

_graf_complete()
{
	local IFS=$'\n'
	case ${COMP_WORDS[0]##*/} in
	graf-index) COMPREPLY=($(_graf_index)) ;;
	graf-search) COMPREPLY=($(_graf_search)) ;;
	esac
}
complete -o filenames -F _graf_complete graf-index graf-search
