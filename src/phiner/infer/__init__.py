"""From texts to spans: the Tagger over a PyTorch or ONNX backend."""
