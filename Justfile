# buildbtw tasks. On a fresh machine run them through ./scripts/just, which installs bun and just first.

set dotenv-load := false

# List the recipes.
default:
    @just --list

# Install system packages (pacman, makepkg, git, zstd, bsdtar) and JavaScript dependencies.
setup:
    ./scripts/setup.sh

# Install the JavaScript dependencies only (what lint and build need; no system packages).
deps:
    bun install --frozen-lockfile

# Compile the single self-contained binary dist/buildbtw.
build: deps
    bun build --compile --minify --sourcemap src/main.ts src/server/plan-thread-worker.ts --outfile dist/buildbtw

# Run the whole test suite (unit, conformance, integration with real git, pacman and processes). Test files run
# in 4 processes, slowest first (test/timings.json); most of a file's time is spent waiting on builds and servers.
test: setup
    bun test --timeout 120000 --parallel=4 --timings=test/timings.json

# Run the test files one after another in one process (slower; for debugging interactions).
test-serial: setup
    bun test --timeout 120000

# Measure every test file again and write test/timings.json, which orders `just test`'s files slowest first.
test-timings: setup
    bun test --timeout 120000 --parallel=4 --timings=test/timings.json --update-timings

# Type-check, lint/format check, and import-boundary check.
lint: deps
    bunx biome check .
    bunx tsc --noEmit -p .
    bun scripts/check-boundaries.ts

# Apply the formatter and safe lint fixes.
fmt:
    bunx biome check --write .

# What CI runs, in order.
ci-dev: lint test build

# Run the server from source on the settings in .env / the environment (defaults: ./data, :8080).
run-server *ARGS: setup
    bun src/main.ts serve {{ARGS}}

# Run the server from source, restarting on changes.
watch-server *ARGS: setup
    bun --watch src/main.ts serve {{ARGS}}

# Run a makepkg worker from source (needs SERVER_URL and BUILDBTW_TOKEN, see `buildbtw token create`).
run-worker *ARGS: setup
    bun src/main.ts worker --driver makepkg {{ARGS}}

# Run a worker that makes fake packages instantly, to cycle through the whole flow quickly.
run-worker-fake *ARGS: setup
    bun src/main.ts worker --driver fake {{ARGS}}

# Run a client command from source, e.g. `just run-client new openimageio/main`.
run-client *ARGS: setup
    bun src/main.ts {{ARGS}}

# Clone or update every project of the GitLab packages group into REPOS_DIR (resumable).
repos-sync *ARGS: setup
    bun src/main.ts repos sync {{ARGS}}

# Generate the synthetic Arch-scale universe (real git repos) for benchmarks.
gen-universe OUT="data/universe" *ARGS: setup
    bun scripts/gen-universe.ts --out {{OUT}} {{ARGS}}

# Benchmark `plan` loading and computation on the synthetic universe.
bench-plan *ARGS: setup
    bun scripts/bench-plan.ts {{ARGS}}

# Benchmark the web UI: a ≥5,000-node namespace page and the home page with 50 namespaces.
bench-ui *ARGS: setup
    bun scripts/bench-ui.ts {{ARGS}}

# Benchmark the scheduler: ≥2,000 fake builds end to end with 16 worker slots.
bench-scheduler *ARGS: setup
    bun scripts/bench-scheduler.ts {{ARGS}}

# Benchmark critical-path scheduling, the ETA and reuse: ≥1,000 nodes, heavy-tailed fake build times, 32 slots.
bench-makespan *ARGS: setup
    bun scripts/bench-makespan.ts {{ARGS}}

# The main job on the embedded defaults: demo packages built by a makepkg worker, installed with pacman.
demo: build
    bun scripts/demo.ts
