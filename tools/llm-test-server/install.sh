#!/usr/bin/env bash
# Installs the test LLM server's dependencies without node-llama-cpp's optional GPU builds
# (CUDA, Vulkan: hundreds of MB) and without its postinstall download or build: only the
# prebuilt CPU binary of this platform (about 30 MB).
set -euo pipefail
cd "$(dirname "$0")"
export NODE_LLAMA_CPP_SKIP_DOWNLOAD=true
npm ci --omit=optional --ignore-scripts --no-audit --no-fund
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) binary=linux-x64 ;;
  Linux-aarch64) binary=linux-arm64 ;;
  Darwin-arm64) binary=mac-arm64-metal ;;
  Darwin-x86_64) binary=mac-x64 ;;
  *) echo "llm-test-server: no prebuilt node-llama-cpp binary for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
version=$(node -p "require('./package.json').dependencies['node-llama-cpp']")
npm install --no-save --omit=optional --ignore-scripts --no-audit --no-fund "@node-llama-cpp/${binary}@${version}"
node make-tiny-model.mjs
