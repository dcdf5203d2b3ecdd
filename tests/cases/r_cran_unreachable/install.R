# glue is in Debian (r-cran-glue); cowsay is on CRAN only, which the build cannot reach here.
install.packages(c("glue", "cowsay"))
