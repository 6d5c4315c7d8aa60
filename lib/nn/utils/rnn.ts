/** nn.utils.rnn: PackedSequence, pack_padded_sequence, pad_packed_sequence, pad_sequence, pack_sequence, unpad_sequence, unpack_sequence (torch/nn/utils/rnn.py). */
export {};
