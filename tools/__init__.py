# Helper modules of the addon: plain Python used by the models, wizards and
# controllers (no model is defined here), the way addons/account/tools is.
# The development scripts (tests runner, benchmarks, screenshots) are in dev/.
