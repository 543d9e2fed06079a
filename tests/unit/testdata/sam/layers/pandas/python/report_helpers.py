# Stands in for the layer's libraries: the template test only needs the directory.
