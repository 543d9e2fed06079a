# thaw on Debian 12 (bookworm): the same packages as scripts/install-deps.sh, built with CMake.
# One stage on purpose: thaw runs function instances with the machine's python3 and node and
# reads its runtime bootstraps from the source tree it was built from (/opt/thaw/src).
#   docker build -t thaw .
#   docker run --rm -p 3001:3001 thaw serve --host 0.0.0.0 --config /opt/thaw/src/samples/compose.thaw.yaml
FROM debian:bookworm

COPY scripts/install-deps.sh /tmp/install-deps.sh
# python3-boto3 and nodejs for the Python and Node.js runtimes' handlers (as in the --test set).
RUN /tmp/install-deps.sh \
 && apt-get install -y -qq --no-install-recommends python3 python3-boto3 nodejs ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /opt/thaw/src
COPY . .
RUN cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DTHAW_BUILD_TESTS=OFF \
      -DTHAW_CCACHE=OFF \
 && cmake --build build --target thaw thaw_echo_function thaw_cpp_momento_function \
 && ln -s /opt/thaw/src/build/thaw /usr/local/bin/thaw

EXPOSE 3001 8080 4566
ENTRYPOINT ["thaw"]
CMD ["serve", "--host", "0.0.0.0", "--config", "/opt/thaw/src/samples/compose.thaw.yaml"]
