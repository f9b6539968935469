/** GraphQL documents the MO client itself sends. */
import { defineQuery } from './gql.js';

/** Sent as a GraphQL multipart request (operations + map + file part), as MO's upload_file documentation says. */
export const uploadFileMutation = defineQuery(
  'clients',
  'UploadFile',
  `mutation UploadFile($file: Upload!, $force: Boolean!) {
  upload_file(file_store: EXPORTS, file: $file, force: $force)
}`,
);
