/**
 * The parts of parquet.thrift (apache/parquet-format) the page writer
 * writes: field ids and enum values, named once.
 */

export const Physical = { BOOLEAN: 0, INT32: 1, INT64: 2, INT96: 3, FLOAT: 4, DOUBLE: 5, BYTE_ARRAY: 6, FIXED_LEN_BYTE_ARRAY: 7 } as const;
export const Encoding = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
export const PageType = { DATA_PAGE: 0, DICTIONARY_PAGE: 2 } as const;
export const Codec = { UNCOMPRESSED: 0, SNAPPY: 1, GZIP: 2, ZSTD: 6 } as const;
export const BoundaryOrder = { UNORDERED: 0, ASCENDING: 1, DESCENDING: 2 } as const;
export const Repetition = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;

/** FileMetaData */
export const FM = { VERSION: 1, SCHEMA: 2, NUM_ROWS: 3, ROW_GROUPS: 4, KEY_VALUE: 5, CREATED_BY: 6, COLUMN_ORDERS: 7 } as const;
/** SchemaElement */
export const SE = { TYPE: 1, TYPE_LENGTH: 2, REPETITION: 3, NAME: 4, NUM_CHILDREN: 5, CONVERTED_TYPE: 6, LOGICAL_TYPE: 10 } as const;
/** LogicalType union members */
export const LT = { STRING: 1, DECIMAL: 5, INTEGER: 10, UNKNOWN: 11, FLOAT16: 15 } as const;
/** IntType */
export const INT = { BIT_WIDTH: 1, SIGNED: 2 } as const;
/** RowGroup */
export const RG = { COLUMNS: 1, TOTAL_BYTE_SIZE: 2, NUM_ROWS: 3, FILE_OFFSET: 5, TOTAL_COMPRESSED: 6, ORDINAL: 7 } as const;
/** ColumnChunk */
export const CC = { FILE_OFFSET: 2, META: 3, OFFSET_INDEX_OFFSET: 4, OFFSET_INDEX_LENGTH: 5, COLUMN_INDEX_OFFSET: 6, COLUMN_INDEX_LENGTH: 7 } as const;
/** ColumnMetaData */
export const CM = {
  TYPE: 1,
  ENCODINGS: 2,
  PATH: 3,
  CODEC: 4,
  NUM_VALUES: 5,
  TOTAL_UNCOMPRESSED: 6,
  TOTAL_COMPRESSED: 7,
  DATA_PAGE: 9,
  DICTIONARY_PAGE: 11,
  STATISTICS: 12,
  ENCODING_STATS: 13,
  SIZE_STATISTICS: 16,
} as const;
/** Statistics */
export const ST = { MAX: 1, MIN: 2, NULL_COUNT: 3, MAX_VALUE: 5, MIN_VALUE: 6, MAX_EXACT: 7, MIN_EXACT: 8 } as const;
/** PageEncodingStats */
export const PES = { PAGE_TYPE: 1, ENCODING: 2, COUNT: 3 } as const;
/** SizeStatistics */
export const SS = { UNENCODED_BYTE_ARRAY_BYTES: 1, REPETITION_HISTOGRAM: 2, DEFINITION_HISTOGRAM: 3 } as const;
/** PageHeader, DataPageHeader, DictionaryPageHeader */
export const PH = { TYPE: 1, UNCOMPRESSED: 2, COMPRESSED: 3, DATA: 5, DICTIONARY: 7 } as const;
export const DPH = { NUM_VALUES: 1, ENCODING: 2, DEFINITION_ENCODING: 3, REPETITION_ENCODING: 4 } as const;
export const DICT = { NUM_VALUES: 1, ENCODING: 2, IS_SORTED: 3 } as const;
/** ColumnIndex */
export const CI = { NULL_PAGES: 1, MIN_VALUES: 2, MAX_VALUES: 3, BOUNDARY_ORDER: 4, NULL_COUNTS: 5, REPETITION_HISTOGRAMS: 6, DEFINITION_HISTOGRAMS: 7 } as const;
/** OffsetIndex, PageLocation */
export const OI = { PAGE_LOCATIONS: 1, UNENCODED_BYTE_ARRAY_BYTES: 2 } as const;
export const PL = { OFFSET: 1, COMPRESSED_SIZE: 2, FIRST_ROW: 3 } as const;
