#!/bin/sh
# make fuzz-run: each libFuzzer target for SECONDS seconds on its seeds. New inputs it finds
# go to build-fuzz/corpus/TARGET; a crash stops the run with the input kept in build-fuzz/.
set -u
SECONDS_EACH=$1
shift
TOP=$(pwd)
SHARED="$TOP/../shared/corpus/clamav-cvd"
seeds() { # the seed directories of a target (made here when they are generated)
	case $1 in
	fuzz_msgscan) echo "$TOP/tests/data/msgs $TOP/tests/data/fuzz/archives $TOP/tests/data/fuzz/passwords" ;;
	fuzz_readings | fuzz_skeleton) echo "$TOP/tests/data/msgs $TOP/tests/data/fuzz/msgscan" ;;
	fuzz_conf) echo "$TOP/conf $TOP/tests/data/fuzz/conf" ;;
	fuzz_decode)
		# the first byte chooses the decoder: 0 base64 (in 76-column CRLF lines, LF lines,
		# one line, and with padding inside), as the vector path reads whole blocks
		d=build-fuzz/seeds/$1
		mkdir -p $d
		head -c 3000 "$TOP/README" >$d/raw
		{ printf '\000'; base64 -w 76 $d/raw | sed 's/$/\r/'; } >$d/b64crlf
		{ printf '\000'; base64 -w 64 $d/raw; } >$d/b64lf
		{ printf '\000'; base64 -w 0 $d/raw; } >$d/b64line
		{ printf '\000'; printf 'QUJD'; printf '=\n'; base64 -w 0 $d/raw; } >$d/b64pad
		rm -f $d/raw
		echo "$TOP/tests/data/msgs $TOP/$d"
		;;
	fuzz_cvd) [ -d "$SHARED" ] && echo "$SHARED" ;;
	fuzz_ole2) echo "$TOP/tests/data/ole2" ;;
	fuzz_pdf) echo "$TOP/tests/data/readers $TOP/tests/data/fuzz/pdf" ;;
	fuzz_rtf) echo "$TOP/tests/data/readers" ;;
	fuzz_lzfu | fuzz_decmem)
		# compressed RTF (MS-OXRTFCP's example, a cap of 4 KiB) and compressed streams (the
		# first byte chooses the type: 0 xz, 2 zstd, 3 bzip2, 6 RAR: mkrar.py's, 7 lz4, 8 lzip)
		d=build-fuzz/seeds/$1
		mkdir -p $d
		if [ "$1" = fuzz_lzfu ]; then
			printf '\020\000-\000\000\000+\000\000\000LZFu\361\305\307\247\003\000\n\000rcpg125B2\n\363 hel\t\000 bw\005\260ld}\n\200\017\240' >$d/example
		else
			printf 'partscan fuzz seed\n' >$d/text
			{ printf '\000'; xz -c $d/text; } >$d/xz
			{ printf '\002'; zstd -q -c $d/text; } >$d/zstd
			{ printf '\003'; bzip2 -c $d/text; } >$d/bz2
			{ printf '\002'; pzstd -q -c $d/text; } >$d/pzstd
			{ printf '\007'; lz4 -q -c $d/text; } >$d/lz4
			{ printf '\010'; lzip -c $d/text; } >$d/lzip
			python3 tests/cli/mkrar.py $d/rar $d/text
			for r in $d/rar/*.rar; do
				{ printf '\006'; cat "$r"; } >"$d/$(basename "$r")"
			done
			rm -rf $d/rar
		fi
		echo "$TOP/$d"
		;;
	fuzz_tnef)
		# TNEF streams of each kind (tnef_seeds.py) and ClamAV's test winmail.dat
		d=build-fuzz/seeds/tnef
		mkdir -p $d
		python3 tests/fuzz/tnef_seeds.py $d
		t=${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}/clam.tnef
		[ -f "$t" ] && cp "$t" $d/
		echo "$TOP/$d"
		;;
	fuzz_pe) echo "${CLAMAV_TESTFILES:-/usr/share/clamav-testfiles}" ;;
	fuzz_sfx)
		# executables with a RAR 4, a RAR 5 and a 7z appended
		d=build-fuzz/seeds/sfx
		mkdir -p $d/rar
		python3 tests/cli/mkrar.py $d/rar "$TOP/README"
		cat tests/data/ftype/pe64.exe $d/rar/store5.rar >$d/pe-rar5
		cat tests/data/ftype/elf64 $d/rar/store4.rar >$d/elf-rar4
		cat tests/data/ftype/pe64.exe tests/data/ftype/archive.7z >$d/pe-7z
		rm -rf $d/rar
		echo "$TOP/$d"
		;;
	fuzz_sigdb)
		d=build-fuzz/seeds/sigdb
		mkdir -p $d
		# the first byte chooses the format: 0 hdb, 1 hsb, ... (see fuzz_sigdb.c)
		i=0
		for f in contrib/test-signatures/*.hdb contrib/test-signatures/*.hsb; do
			printf "\\00$i" | cat - "$f" >"$d/$(basename "$f")"
			i=$((i + 1))
		done
		echo "$TOP/$d"
		;;
	fuzz_control)
		d=build-fuzz/seeds/control
		mkdir -p $d
		for c in PING VERSION STATS; do printf '%s\n' $c >"$d/$c"; done
		echo "$TOP/$d"
		;;
	esac
}
status=0
for f in "$@"; do
	name=$(basename "$f")
	corpus="build-fuzz/corpus/$name"
	mkdir -p "$corpus"
	echo "== $name: ${SECONDS_EACH}s"
	# shellcheck disable=SC2046
	if ! PARTSCAN_FUZZ_DB="$TOP/contrib/test-signatures" "$f" -max_total_time="$SECONDS_EACH" \
		-max_len=65536 -timeout=20 -rss_limit_mb=2048 -artifact_prefix=build-fuzz/ \
		-print_final_stats=1 "$corpus" $(seeds "$name") >"build-fuzz/$name.log" 2>&1; then
		echo "$name: FAILED (see build-fuzz/$name.log and the crash-* input in build-fuzz/)"
		tail -30 "build-fuzz/$name.log"
		status=1
	else
		grep -E "stat::number_of_executed_units|Done" "build-fuzz/$name.log" | tail -1
	fi
done
exit $status
