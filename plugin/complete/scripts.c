/* The scripts `kubectl volsnap completion SHELL` prints and the helper that
 * `completion install` writes. All of them ask `kubectl-volsnap __complete`. */
#include <string.h>

#include "complete.h"

/* kubectl 1.26+ runs kubectl_complete-<plugin> from PATH for `kubectl volsnap <TAB>`.
 * It runs the kubectl-volsnap beside it (a krew install links both into one
 * bin folder), else the one on PATH. */
const char complete_helper_script[] = "#!/bin/sh\n"
				      "# Shell completion for `kubectl volsnap` (kubectl 1.26+ runs this from PATH).\n"
				      "# Written by `kubectl volsnap completion install`.\n"
				      "dir=$(dirname \"$0\")\n"
				      "if [ -x \"$dir/kubectl-volsnap\" ]; then\n"
				      "\texec \"$dir/kubectl-volsnap\" __complete \"$@\"\n"
				      "fi\n"
				      "exec kubectl-volsnap __complete \"$@\"\n";

static const char bash_script[] =
    "# bash completion for kubectl-volsnap. Load it with\n"
    "#   source <(kubectl volsnap completion bash)\n"
    "# `kubectl volsnap <TAB>` is completed by kubectl's own completion (1.26+)\n"
    "# through kubectl_complete-volsnap: run `kubectl volsnap completion install`.\n"
    "_kubectl_volsnap() {\n"
    "\tlocal cur=${COMP_WORDS[COMP_CWORD]} out directive line\n"
    "\tout=$(kubectl-volsnap __complete \"${COMP_WORDS[@]:1:COMP_CWORD-1}\" \"$cur\" 2>/dev/null) || return\n"
    "\tdirective=${out##*:}\n"
    "\tCOMPREPLY=()\n"
    "\twhile IFS= read -r line; do\n"
    "\t\t[[ -z $line || $line == :* ]] && continue\n"
    "\t\tCOMPREPLY+=(\"${line%%$'\\t'*}\")\n"
    "\tdone <<<\"$out\"\n"
    "\t((directive & 2)) && compopt -o nospace\n"
    "\tif ((${#COMPREPLY[@]} == 0 && (directive & 4) == 0)); then compopt -o default; fi\n"
    "}\n"
    "complete -F _kubectl_volsnap kubectl-volsnap\n";

static const char zsh_script[] =
    "#compdef kubectl-volsnap\n"
    "# zsh completion for kubectl-volsnap. Load it with\n"
    "#   source <(kubectl volsnap completion zsh)\n"
    "# `kubectl volsnap <TAB>` is completed by kubectl's own completion (1.26+)\n"
    "# through kubectl_complete-volsnap: run `kubectl volsnap completion install`.\n"
    "_kubectl_volsnap() {\n"
    "\tlocal -a lines cands\n"
    "\tlocal out directive line word desc\n"
    "\tout=$(kubectl-volsnap __complete \"${(@)words[2,CURRENT-1]}\" \"${words[CURRENT]}\" 2>/dev/null) || return 1\n"
    "\tlines=(\"${(@f)out}\")\n"
    "\tdirective=${lines[-1]#:}\n"
    "\tfor line in \"${(@)lines[1,-2]}\"; do\n"
    "\t\tword=${line%%$'\\t'*} desc=\n"
    "\t\t[[ $line == *$'\\t'* ]] && desc=${line#*$'\\t'}\n"
    "\t\tcands+=(\"${word//:/\\\\:}${desc:+:$desc}\")\n"
    "\tdone\n"
    "\tif ((${#cands})); then\n"
    "\t\t_describe 'kubectl-volsnap' cands\n"
    "\telif (((directive & 4) == 0)); then\n"
    "\t\t_files\n"
    "\tfi\n"
    "}\n"
    "compdef _kubectl_volsnap kubectl-volsnap\n";

static const char fish_script[] = "# fish completion for kubectl-volsnap. Load it with\n"
				  "#   kubectl volsnap completion fish | source\n"
				  "# `kubectl volsnap <TAB>` is completed by kubectl's own completion (1.26+)\n"
				  "# through kubectl_complete-volsnap: run `kubectl volsnap completion install`.\n"
				  "function __kubectl_volsnap_complete\n"
				  "    set -l args (commandline -opc)[2..-1] (commandline -ct)\n"
				  "    kubectl-volsnap __complete $args 2>/dev/null | string match -v -r '^:'\n"
				  "end\n"
				  "complete -c kubectl-volsnap -f -a '(__kubectl_volsnap_complete)'\n";

const char *complete_script(const char *shell)
{
	if (!strcmp(shell, "bash"))
		return bash_script;
	if (!strcmp(shell, "zsh"))
		return zsh_script;
	if (!strcmp(shell, "fish"))
		return fish_script;
	return NULL;
}
