/** nn.functional, layer_norm, group_norm, local_response_norm, instance_norm, normalize. */
export {};
