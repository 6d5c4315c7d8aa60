"""What the golden scripts share (imported as `from golden_io import enc`: a script's own folder
is first on sys.path when it runs)."""
import base64


def enc(t):
    """A tensor as JSON with its raw bytes, so the TS side compares exactly (test/helpers.ts decodes it)."""
    t = t.detach().contiguous().cpu()
    return {'shape': list(t.shape), 'dtype': str(t.dtype).replace('torch.', ''),
            'b64': base64.b64encode(t.numpy().tobytes()).decode('ascii')}
