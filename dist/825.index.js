export const id = 825;
export const ids = [825];
export const modules = {

/***/ 7825:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   FileBlob: () => (/* binding */ FileBlob)
/* harmony export */ });
/* harmony import */ var _chunk_FFYIGW52_mjs__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(8590);
/* harmony import */ var fs__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9896);
/* harmony import */ var fs_promises__WEBPACK_IMPORTED_MODULE_2__ = __webpack_require__(1943);
/* harmony import */ var stream__WEBPACK_IMPORTED_MODULE_3__ = __webpack_require__(2203);
/* harmony import */ var url__WEBPACK_IMPORTED_MODULE_4__ = __webpack_require__(7016);


// src/utils/FileBlob.ts




var FileBlob = class extends Blob {
  /**
   * Creates a new FileBlob on the provided file.
   *
   * @param path Path to the file to be lazy readed
   */
  static async create(path) {
    path = path instanceof URL ? (0,url__WEBPACK_IMPORTED_MODULE_4__.fileURLToPath)(path) : path;
    const { size } = await (0,fs_promises__WEBPACK_IMPORTED_MODULE_2__.stat)(path);
    const fileBlob = new FileBlob(path, 0, size);
    return fileBlob;
  }
  path;
  start;
  end;
  constructor(path, start, end) {
    super();
    this.path = path;
    this.start = start;
    this.end = end;
  }
  /**
   * Returns the size of the blob.
   */
  get size() {
    return this.end - this.start;
  }
  /**
   * Returns a new instance of FileBlob that is a slice of the current one.
   *
   * The slice is inclusive of the start and exclusive of the end.
   *
   * The slice method does not supports negative start/end.
   *
   * @param start beginning of the slice
   * @param end end of the slice
   */
  slice(start = 0, end = this.size) {
    if (start < 0 || end < 0) {
      throw new TypeError("Unsupported negative start/end on FileBlob.slice");
    }
    const slice = new FileBlob(this.path, this.start + start, Math.min(this.start + end, this.end));
    return slice;
  }
  /**
   * Read the part of the file delimited by the FileBlob and returns it as an ArrayBuffer.
   */
  async arrayBuffer() {
    const slice = await this.execute((file) => file.read(Buffer.alloc(this.size), 0, this.size, this.start));
    return slice.buffer;
  }
  /**
   * Read the part of the file delimited by the FileBlob and returns it as a string.
   */
  async text() {
    const buffer = await this.arrayBuffer();
    return buffer.toString("utf8");
  }
  /**
   * Returns a stream around the part of the file delimited by the FileBlob.
   */
  stream() {
    if (this.start === this.end) {
      return new Blob([]).stream();
    }
    return stream__WEBPACK_IMPORTED_MODULE_3__.Readable.toWeb((0,fs__WEBPACK_IMPORTED_MODULE_1__.createReadStream)(this.path, { start: this.start, end: this.end - 1 }));
  }
  /**
   * We are opening and closing the file for each action to prevent file descriptor leaks.
   *
   * It is an intended choice of developer experience over performances.
   */
  async execute(action) {
    const file = await (0,fs_promises__WEBPACK_IMPORTED_MODULE_2__.open)(this.path, "r");
    try {
      return await action(file);
    } finally {
      await file.close();
    }
  }
};



/***/ })

};

//# sourceMappingURL=825.index.js.map