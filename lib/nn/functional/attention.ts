/** nn.functional, Attention: multi_head_attention_forward, scaled_dot_product_attention (where LibTorch has it). */
export {};
