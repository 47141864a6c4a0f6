export { XskSocket, type XskOptions } from "./socket.ts";
