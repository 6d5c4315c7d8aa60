/**
 * The PyTorch reference the tests compare against: Debian's python3 (tools/setup.sh installs
 * python3-torch there as root), or TORCHNODE_PYTHON where PyTorch lives elsewhere (the GPU check
 * sets it to the machine's CUDA PyTorch, the one the addon was built against).
 */
export const PYTHON = process.env.TORCHNODE_PYTHON || '/usr/bin/python3';
