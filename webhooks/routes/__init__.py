"""The receiver's HTTP surfaces, one blueprint each."""
