# Packages for the lessons (repo2docker's convention).
install.packages(c("glue", "jsonlite"))
