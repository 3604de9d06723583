# tests/wrap.sh - run the CLI suite's programs under a checker: sourced by
# tests/run (suite cli-asan) and tests/valgrind (make valgrind).
#
# The CLI tests find the hook and the helpers in $MH_BUILD (tests/cli/lib.sh).
# mh_wrap makes a stand-in for build/ where each of them is a small /bin/sh
# wrapper running it under the checker, and points MH_BUILD there. A program
# with a finding exits MH_FINDING_EXIT, which fails the test that ran it, and
# leaves a report in the stand-in's logs/: the checker's verdict does not
# depend on what a test asserts about exit codes or stderr.
#
# Checkers:
#   valgrind  build/NAME under memcheck: invalid accesses, uninitialised
#             reads, definite leaks (a log for every run, errors inside).
#   asan      build/asan/NAME (make asan): AddressSanitizer, LeakSanitizer
#             and UBSan, built with -fno-sanitize-recover=all; the first
#             finding ends the program (a log only when there is one).

MH_FINDING_EXIT=99

# mh_wrap CHECKER DIR: make DIR (absolute) the stand-in for build/ and set
# and export MH_BUILD=DIR, MH_CHECKER=CHECKER and MH_SLOWDOWN (the factor
# on the time bounds tests assert). Run from the top of the tree. Returns 1,
# saying why, when a program to wrap is missing.
mh_wrap() {
    local checker=$1 dir=$2 entry name from
    case $checker in
    valgrind)
        command -v valgrind >/dev/null || {
            echo "valgrind is not installed (./install.sh --deps)" >&2
            return 1
        }
        from=$PWD/build
        MH_SLOWDOWN=20
        ;;
    asan)
        # Starting a sanitized program and checking it for leaks at exit
        # costs some 50-100 ms more; the rest runs about twice as slow.
        from=$PWD/build/asan
        MH_SLOWDOWN=3
        ;;
    *)
        echo "tests/wrap.sh: unknown checker '$checker' (valgrind, asan)" >&2
        return 1
        ;;
    esac
    rm -rf "$dir"
    mkdir -p "$dir/logs" || return 1
    for entry in "$PWD"/build/*; do
        name=${entry##*/}
        [ "$entry" != "$dir" ] || continue
        # the programs under test: the hook and the helpers (helpers/*.c),
        # not tools such as mh-bench (make bench)
        if [ -f "$entry" ] && [ -x "$entry" ] &&
            [[ $name == migrate-hooks || -f $PWD/helpers/$name.c ]]; then
            if [ ! -x "$from/$name" ]; then
                echo "tests/wrap.sh: $from/$name is missing (make $checker)" >&2
                return 1
            fi
            { echo '#!/bin/sh'; "mh_wrap_$checker" "$from/$name" "$dir/logs/$name"; } >"$dir/$name"
            chmod 0755 "$dir/$name"
        else
            ln -s "$entry" "$dir/$name"
        fi
    done
    [ -e "$dir/migrate-hooks" ] || {
        echo "tests/wrap.sh: build/migrate-hooks is missing (make)" >&2
        return 1
    }
    export MH_BUILD=$dir MH_CHECKER=$checker MH_SLOWDOWN
}

# mh_wrap_findings CHECKER DIR: the logs in DIR/logs that hold a finding,
# one a line.
mh_wrap_findings() {
    case $1 in
    # With --quiet, memcheck writes "==PID==" lines only for an error
    # ("--PID--" lines are its own warnings, e.g. a syscall it does not know).
    valgrind) grep -l '^==[0-9]*== ' "$2"/logs/*.log 2>/dev/null ;;
    # The sanitizers open their log only to write a report or a warning.
    asan) find "$2/logs" -type f -size +0 | sort ;;
    esac
}

# mh_wrap_valgrind PROGRAM LOG: the body of a wrapper running PROGRAM, its
# reports in LOG.PID.log.
mh_wrap_valgrind() {
    cat <<WRAPPER
exec valgrind --quiet --error-exitcode=$MH_FINDING_EXIT --leak-check=full --errors-for-leak-kinds=definite \\
    --log-file="$2.%p.log" "$1" "\$@"
WRAPPER
}

# mh_wrap_asan PROGRAM LOG: the body of a wrapper running PROGRAM, built
# with the sanitizers, its reports in LOG.PID. UBSan reads options of its
# own (with GCC it only writes to its log_path as linked by the Makefile's
# ASAN_PROGRAM_FLAGS); abort_on_error=0 makes a finding an exit code, not a
# SIGABRT and a core file. Beyond the defaults: stack frames outlive their
# return (a pointer to a local used after it) and string functions read
# their arguments to the terminating NUL. Leak checking (LSan) runs at exit,
# also inside the mount namespaces of tests/cli/lib.sh: it ptrace-attaches
# the threads of its own process, which a new mount namespace does not
# prevent (a program already traced, under strace or gdb, would be another
# matter). test_sanitizers.sh shows each kind of finding is caught.
mh_wrap_asan() {
    cat <<WRAPPER
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1:exitcode=$MH_FINDING_EXIT:log_path=$2
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=0:print_stacktrace=1:exitcode=$MH_FINDING_EXIT:log_path=$2
exec "$1" "\$@"
WRAPPER
}
