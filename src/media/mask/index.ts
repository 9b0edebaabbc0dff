// Privacy masks burned into video (R13, D11): the PAM mask image and the ffmpeg filter graph that applies it.
export { MASK_IMAGE_HEIGHT, MASK_IMAGE_WIDTH, maskFilterGraph, maskImagePam, maskInputArgs } from './image.js';
