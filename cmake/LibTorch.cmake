# Finds LibTorch in the documented order and prints what it used.
#   1. LIBTORCH (an unpacked official libtorch zip) or Torch_DIR
#   2. the `torch` package of `python3` (torch.utils.cmake_prefix_path): pip/CUDA installs
#   3. the system (Debian/Ubuntu `libtorch-dev`)
set(_torchnode_hint "")
set(_torchnode_source "")
if(DEFINED ENV{LIBTORCH} AND NOT "$ENV{LIBTORCH}" STREQUAL "")
  set(_torchnode_hint "$ENV{LIBTORCH}/share/cmake/Torch")
  set(_torchnode_source "LIBTORCH=$ENV{LIBTORCH}")
elseif(DEFINED Torch_DIR OR (DEFINED ENV{Torch_DIR} AND NOT "$ENV{Torch_DIR}" STREQUAL ""))
  if(NOT DEFINED Torch_DIR)
    set(Torch_DIR "$ENV{Torch_DIR}")
  endif()
  set(_torchnode_hint "${Torch_DIR}")
  set(_torchnode_source "Torch_DIR=${Torch_DIR}")
else()
  find_program(_torchnode_python NAMES python3 python)
  if(_torchnode_python)
    execute_process(
      COMMAND "${_torchnode_python}" -c "import torch.utils; print(torch.utils.cmake_prefix_path)"
      OUTPUT_VARIABLE _torchnode_prefix OUTPUT_STRIP_TRAILING_WHITESPACE
      ERROR_QUIET RESULT_VARIABLE _torchnode_rc)
    if(_torchnode_rc EQUAL 0 AND EXISTS "${_torchnode_prefix}/Torch")
      set(_torchnode_hint "${_torchnode_prefix}/Torch")
      set(_torchnode_source "python3 torch (${_torchnode_python})")
    endif()
  endif()
endif()

if(_torchnode_hint)
  set(Torch_DIR "${_torchnode_hint}")
  find_package(Torch QUIET NO_DEFAULT_PATH PATHS "${_torchnode_hint}")
else()
  set(_torchnode_source "system")
  find_package(Torch QUIET)
endif()

if(NOT Torch_FOUND)
  message(FATAL_ERROR "\ntorchnode: LibTorch was not found (looked at: ${_torchnode_source}).\n"
    "Provide it in one of three ways, then build again:\n"
    "  1. LIBTORCH=/path/to/libtorch (an unpacked libtorch zip from pytorch.org) or Torch_DIR=<dir with TorchConfig.cmake>;\n"
    "  2. a python3 whose `torch` package is installed (pip install torch) - used for CUDA builds;\n"
    "  3. the system package: apt-get install libtorch-dev libopenblas0 (Debian/Ubuntu; `npm run setup` does this as root).\n")
endif()

# Version: Torch_VERSION is set by TorchConfigVersion when present; fall back to the header.
set(TORCHNODE_TORCH_VERSION "${Torch_VERSION}")
if(NOT TORCHNODE_TORCH_VERSION)
  foreach(_inc ${TORCH_INCLUDE_DIRS})
    if(EXISTS "${_inc}/torch/csrc/api/include/torch/version.h")
      file(STRINGS "${_inc}/torch/csrc/api/include/torch/version.h" _v REGEX "define TORCH_VERSION_(MAJOR|MINOR|PATCH) ")
      string(REGEX REPLACE "[^0-9;]*([0-9]+)[^0-9;]*" "\\1" _v "${_v}")
      string(REPLACE ";" "." TORCHNODE_TORCH_VERSION "${_v}")
    endif()
  endforeach()
endif()

set(TORCHNODE_CUDA OFF)
foreach(_lib ${TORCH_LIBRARIES})
  if(_lib MATCHES "torch_cuda" OR _lib MATCHES "c10_cuda")
    set(TORCHNODE_CUDA ON)
  endif()
endforeach()
if(TARGET torch_cuda OR TARGET c10_cuda)
  set(TORCHNODE_CUDA ON)
endif()
set(_cuda_desc "no")
if(TORCHNODE_CUDA)
  set(_cuda_desc "yes (CUDA ${CUDA_VERSION}, arch list ${TORCH_CUDA_ARCH_LIST})")
endif()
message(STATUS "torchnode: LibTorch ${TORCHNODE_TORCH_VERSION} from ${_torchnode_source} (${Torch_DIR}); CUDA: ${_cuda_desc}")
