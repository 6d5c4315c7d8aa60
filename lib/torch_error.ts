/**
 * The error LibTorch's failures are thrown as. Its own file, importing nothing, because the
 * addon is handed the class while lib/native.ts loads.
 */

/** The Python exception PyTorch raises for the same LibTorch error. */
export type TorchErrorType = 'RuntimeError' | 'IndexError' | 'ValueError' | 'TypeError' | 'NotImplementedError' | 'LinAlgError' | 'OutOfMemoryError';

/**
 * An error raised inside LibTorch (c10::Error): a failed op, as opposed to an argument the facade
 * refused before calling it (those are TypeError/RangeError). PyTorch raises these as
 * `RuntimeError` or the subclass in {@link TorchError.pythonType}:
 *
 *     try { a.matmul(b) } catch (e) { if (e instanceof torch.TorchError && e.pythonType === 'RuntimeError') … }
 *
 * The message is "op: LibTorch's message", without the C++ backtrace.
 */
export class TorchError extends Error {
  /** The torchnode function that called into LibTorch, as the message begins: 'matmul', 'distributed.allReduce'. */
  readonly op: string;
  /** PyTorch's exception type for this error ('RuntimeError' unless LibTorch raised a subclass). */
  readonly pythonType: TorchErrorType;

  constructor(message: string, op = '', pythonType: TorchErrorType = 'RuntimeError') {
    super(message);
    this.op = op;
    this.pythonType = pythonType;
  }
}
Object.defineProperty(TorchError.prototype, 'name', { value: 'TorchError', writable: true, configurable: true });
