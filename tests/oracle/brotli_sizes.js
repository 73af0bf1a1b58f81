// Independent oracle for webaudit's brotli sizes: Node's zlib module, which wraps Google's C
// brotli encoder. Reads a JSON array of paths on stdin, prints {path: size} at quality 11,
// window 22, with the input size as size hint (the brotli command-line tool's setting).
const fs = require("fs");
const zlib = require("zlib");

const paths = JSON.parse(fs.readFileSync(0, "utf8"));
const sizes = {};
for (const path of paths) {
  const data = fs.readFileSync(path);
  sizes[path] = zlib.brotliCompressSync(data, {
    params: {
      [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
      [zlib.constants.BROTLI_PARAM_LGWIN]: 22,
      [zlib.constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  }).length;
}
process.stdout.write(JSON.stringify(sizes));
