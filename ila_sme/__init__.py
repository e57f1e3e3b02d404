"""ILA-SME: paid training leave, learning-account co-funding and micro-credentials for SMEs.

The app is built by ``ila_sme.factory.create_app``; the package itself imports nothing, so that importing
one module (a model, the core) never loads the whole app.
"""
