# Shared by bench/run-auth and bench/run-ui: the generated database of one engine, made fresh or
# taken from the BENCH_DATA cache (DIR/<engine>-<records>/, complete when it holds `ready`), so
# that both scripts reuse the same cache. Sourced, not run: it uses the caller's log, die,
# run_job and its variables root, bench, bin, records, orgs, owners and data (the cache, or ""),
# and sets pg_dir and pg_keep (the caller stops the cluster: kept when pg_keep is 1).

# prepare ENGINE DIR: a database with the generated services in DIR (made, or reused when DIR/ready
# exists); sets db_url and data_note.
prepare() {
  local engine=$1 ddir=$2 batch
  unset KANRI_CONFIG KANRI_MODEL_DIR KANRI_MODEL_EXTRA
  export KANRI_SHARE_DIR=$root KANRI_ADMIN_PASSWORD=bench-admin-password
  if [[ -f $ddir/ready ]]; then
    log "$engine: reusing the cached database in $ddir (generated $(cat "$ddir/ready"))"
    if [[ $engine == sqlite ]]; then
      db_url="sqlite://$ddir/kanri.db"
    else
      pg_dir=$ddir/pg
      pg_keep=1
      db_url=$("$bench/lib/pg-restart" "$pg_dir") || die "could not start the cached cluster in $pg_dir"
    fi
    data_note="cached in $ddir: generated $(cat "$ddir/ready") by kanri-bench-gen $(cat "$ddir/gen.args")"
    return
  fi
  # Not complete: start over (only a directory this script made, or an empty one).
  if [[ -e $ddir ]]; then
    [[ -f $ddir/.bench-data || -z $(ls -A "$ddir") ]] || die "$ddir exists and was not made by bench/run-auth or bench/run-ui; not touching it"
    [[ -d $ddir/pg ]] && "$root/scripts/pg-throwaway" stop "$ddir/pg" >/dev/null 2>&1 || true
    rm -rf -- "$ddir"
  fi
  mkdir -p "$ddir"
  chmod 755 "$ddir"
  : >"$ddir/.bench-data"
  case $engine in
  sqlite)
    db_url="sqlite://$ddir/kanri.db"
    batch=${BENCH_BATCH_SQLITE:-5000}
    ;;
  postgres)
    pg_dir=$ddir/pg
    [[ -n $data ]] && pg_keep=1
    db_url=$("$root/scripts/pg-throwaway" start "$pg_dir")
    batch=${BENCH_BATCH_POSTGRES:-200}
    ;;
  esac
  export KANRI_DATABASE=$db_url
  "$bin/kanri" init >"$ddir/init.log" 2>&1 || die "kanri init failed; see $ddir/init.log"
  local gen_args=(--count "$records" --orgs "$orgs" --users "$owners" --batch "$batch" --seed 42)
  echo "${gen_args[*]}" >"$ddir/gen.args"
  log "$engine: generating $records services (kanri-bench-gen ${gen_args[*]})"
  local every=$((records / batch / 10))
  ((every > 0)) || every=1
  gen_job() {
    "$bin/kanri-bench-gen" "${gen_args[@]}" 2>&1 >"$ddir/gen.out" | tee "$ddir/gen.log" |
      awk -v every="$every" '/^services:/ { if (++n % every) next } { print "      " $0; fflush() }' >&2
    return "${PIPESTATUS[0]}"
  }
  run_job gen_job || die "kanri-bench-gen failed; see $ddir/gen.log"
  if [[ $engine == postgres ]]; then
    log "$engine: VACUUM (ANALYZE)"
    run_job psql -X -q -v ON_ERROR_STOP=1 -d "$db_url" -c 'VACUUM (ANALYZE)' || die "VACUUM failed"
  fi
  date -u +%Y-%m-%dT%H:%M:%SZ >"$ddir/ready"
  data_note="generated in this run by kanri-bench-gen ${gen_args[*]} ($(grep -o 'rate=[0-9.]*' "$ddir/gen.out" | cut -d= -f2) services/s)"
}
