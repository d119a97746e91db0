"""Product photos: safe decoding (size and bomb limits), the product cut-out, which view each
gallery image shows, and the plain back one photo implies.

Both the generators (to build a model from the cut-out) and Stage 2 (to judge the model against
the photo) use them. May import only the vocabulary (pipeline.product, .errors, .config).
"""
