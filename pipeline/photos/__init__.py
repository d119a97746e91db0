"""Product photos: safe decoding (size and bomb limits) and the product cut-out.

Both the generators (to build a model from the cut-out) and Stage 2 (to judge the model against
the photo) use them. May import only the vocabulary (pipeline.product, .errors, .config).
"""
