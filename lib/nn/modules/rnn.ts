/** Recurrent layers: RNN, LSTM, GRU and their cells (torch/nn/modules/rnn.py). */
export {};
