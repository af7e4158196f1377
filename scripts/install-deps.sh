#!/usr/bin/env bash
# Installs the Debian packages mutsim needs to build, test, run and analyse.
# Idempotent: packages already present are skipped, and apt-get is not called
# at all when nothing is missing (so it works offline on a prepared machine).
set -euo pipefail

PACKAGES=(
  build-essential cmake make git pkg-config
  libboost-dev libboost-random-dev
  libtbb-dev
  libhdf5-dev hdf5-tools
  libyaml-cpp-dev
  catch2
  libcli11-dev
  libfmt-dev nlohmann-json3-dev
  librandom123-dev
  libopenmpi-dev openmpi-bin
  libbenchmark-dev
  clang-format clang-tidy python3-flake8
  # libFuzzer (make fuzz); the source of oneTBB for the tsan stage
  clang libclang-rt-14-dev curl xz-utils
  python3-h5py python3-numpy python3-pandas python3-matplotlib python3-scipy
  python3-pytest python3-yaml
  # the answer's surrogate for the smallest change (issue 16)
  python3-sklearn
  # The Python module (make build) and its tests: pybind11; xarray over
  # h5netcdf; netCDF's ncdump; the example notebook run by nbconvert; the
  # HTML report opened in headless Chromium through Selenium (issue 17)
  pybind11-dev python3-pybind11 python3-dev
  python3-xarray python3-h5netcdf netcdf-bin
  python3-nbconvert python3-nbformat python3-nbclient python3-ipykernel
  chromium chromium-driver python3-selenium
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
