# bash completion for tagmem(1): subcommands, their options, and the ids
# of the running daemon (devices, hosts, regions, tags, backends), read
# with "tagmem list --json" from the same socket the command line names.
# Needs only bash; bash-completion loads it from its completions directory.

# Every subcommand, as tagmem --help lists them.
_tagmem_subcommands="create-backend destroy-backend add-capacity release-capacity status
list map monitor qmp fm host-agent host-write host-read passwd"

# The options each subcommand takes (tagmem SUBCOMMAND --help).
_tagmem_options() {
    local capacity="--device --host --region --size --extent --policy --tag --shared-with
        --force --sanitize --json --verbose --help"
    local host="--host --socket --policy --seq-base --verbose --help"
    case $1 in
        create-backend) echo "--type --size --id --tag --share --prealloc --mem-path --verbose --help" ;;
        destroy-backend) echo "--verbose --help" ;;
        add-capacity | release-capacity | status) echo "$capacity" ;;
        list) echo "--device --host --tag --region --state --start --count --extents --tags
            --backends --health --human --json --help" ;;
        map) echo "--device --region --width --svg --help" ;;
        monitor) echo "--json --count --help" ;;
        qmp) echo "--help" ;;
        fm) echo "--fm --json --host --region --policy --tag --size --extent --force --sanitize
            --block-size --id --help" ;;
        host-agent) echo "$host --duration --once --release-on-exit --reconnect" ;;
        host-write) echo "$host --tag --offset --timeout --data" ;;
        host-read) echo "$host --tag --offset --timeout --length --hex" ;;
        passwd) echo "--role --help" ;;
    esac
}

# The values of KEY ("host", "tag", ...) in the daemon's "list --json".
_tagmem_ids() {
    local key=$1
    "${_tagmem_cmd[@]}" list --json 2>/dev/null |
        sed -n "s/^ *\"$key\": *\"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}\$/\1/p" | sort -u
}

_tagmem() {
    local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local i subcommand="" subcommand_at=0
    # The tagmem that is being completed, with the --socket given, so that
    # ids come from the daemon the command will talk to.
    local -a _tagmem_cmd=("${COMP_WORDS[0]}")

    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
            -s | --socket) _tagmem_cmd+=(--socket "${COMP_WORDS[i + 1]}"); ((i++)) ;;
            --socket=*) _tagmem_cmd+=("${COMP_WORDS[i]}") ;;
            -*) ;;
            *) subcommand=${COMP_WORDS[i]}; subcommand_at=$i; break ;;
        esac
    done

    if [ -z "$subcommand" ]; then
        case $prev in
            -s | --socket) mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        esac
        if [[ $cur == -* ]]; then
            mapfile -t COMPREPLY < <(compgen -W "--socket --version --help" -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -W "$_tagmem_subcommands" -- "$cur")
        fi
        return
    fi

    local words=""
    case $prev in
        -H | --host | --shared-with) words=$(_tagmem_ids host) ;;
        -d | --device) [[ $subcommand == host-* ]] || words=$(_tagmem_ids device) ;;
        -t | --tag) [ "$subcommand" = create-backend ] && words="auto"
            words="$words $(_tagmem_ids tag)" ;;
        -r | --region) words=$(_tagmem_ids region) ;;
        -T | --type) [ "$subcommand" = create-backend ] && words="memfd ram file" ;;
        --share) words="on off" ;;
        --state) [ "$subcommand" = list ] && words="pending accepted" ;;
        --seq-base) words="0 1" ;;
        -p | --policy)
            case $subcommand in
                host-*) words="linux accept-all reject-all" ;;
                *) words="free contiguous prescriptive enable-shared-access" ;;
            esac ;;
        -s) [[ $subcommand == host-* ]] || return  # elsewhere -s is --size
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        --svg | --mem-path | --fm | --socket)
            mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
        -w | --width | --size | --extent | -e | --count | -c | --id | -i | --data | --length | \
            --offset | --timeout | --duration | --block-size) return ;;
    esac
    if [ -n "$words" ]; then
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
        return
    fi
    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_tagmem_options "$subcommand")" -- "$cur")
        return
    fi
    # Positional arguments: the first after the subcommand.
    if ((COMP_CWORD == subcommand_at + 1)); then
        case $subcommand in
            status) words=$(_tagmem_ids tag) ;;
            destroy-backend) words=$(_tagmem_ids backend) ;;
            qmp) words=$("${_tagmem_cmd[@]}" qmp query-commands 2>/dev/null |
                    sed -n 's/^ *"name": *"\([^"]*\)".*/\1/p') ;;
            fm) words="dcd-info regions extents tags add release withdraw add-ref remove-ref
                   set-region" ;;
        esac
        mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
    fi
}

complete -F _tagmem tagmem
