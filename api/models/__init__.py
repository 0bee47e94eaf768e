"""The API's request and response models, one module per resource.

A model's class name is its schema's name in the OpenAPI document and its docstring the
schema's description, so neither changes lightly. Types every router shares (wei, hashes,
signatures, pages, problems) are in :mod:`api.schemas`.
"""
