
mod encoding;
