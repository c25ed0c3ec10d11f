// What a protocol serializer hands back to the server.
export interface WireResponse {
  status: number
  headers: Record<string, string>
  body: string
}
