// Precompiled header: every LibTorch header the addon uses, parsed once per build.
#pragma once
#include <napi.h>
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <ATen/core/stack.h>
#include <c10/core/GradMode.h>
#include <c10/core/InferenceMode.h>
#include <torch/csrc/autograd/autograd.h>
#include <torch/csrc/autograd/generated/variable_factories.h>
#include <torch/optim.h>
#include <torch/serialize.h>
#include <torch/script.h>
