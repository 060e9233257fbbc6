# No model here: the demo data generator (generator.py) is plain functions of
# an environment, which the module's post_init_hook (__init__.py) runs only
# when the module is installed with demo data.
