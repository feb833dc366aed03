{
 "patcher": {
  "fileversion": 1,
  "appversion": {
   "major": 8,
   "minor": 5,
   "revision": 0,
   "architecture": "x64",
   "modernui": 1
  },
  "classnamespace": "box",
  "rect": [
   50.0,
   50.0,
   1180.0,
   760.0
  ],
  "bglocked": 0,
  "openinpresentation": 0,
  "default_fontsize": 12.0,
  "default_fontface": 0,
  "default_fontname": "Arial",
  "gridonopen": 1,
  "gridsize": [
   15.0,
   15.0
  ],
  "gridsnaponopen": 1,
  "boxes": [
   {
    "box": {
     "maxclass": "comment",
     "text": "livedual for Max: poses over OSC (native format) and livedual's MIDI notes. Poses: livedual live ... --sink 'osc://127.0.0.1:9000?format=native'. Notes: livedual live ... --sink midi, then pick the MIDI port 'livedual' in notein (double-click it) or in Options > MIDI Setup.",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      10,
      1100,
      40.0
     ],
     "id": "obj-1"
    }
   },
   {
    "box": {
     "maxclass": "comment",
     "text": "POSES",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      60,
      100,
      20.0
     ],
     "id": "obj-2"
    }
   },
   {
    "box": {
     "maxclass": "message",
     "text": "port 9000",
     "numinlets": 2,
     "numoutlets": 1,
     "outlettype": [
      ""
     ],
     "patching_rect": [
      20,
      85,
      77.0,
      22.0
     ],
     "id": "obj-3"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "udpreceive 9000",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      20,
      120,
      119.0,
      22.0
     ],
     "outlettype": [
      ""
     ],
     "id": "obj-4"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "route /livedual/frame /livedual/beat /livedual/root/pos",
     "numinlets": 2,
     "numoutlets": 4,
     "patching_rect": [
      20,
      160,
      399.0,
      22.0
     ],
     "outlettype": [
      "",
      "",
      "",
      ""
     ],
     "id": "obj-5"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "unpack 0 0.",
     "numinlets": 1,
     "numoutlets": 2,
     "patching_rect": [
      20,
      200,
      91.0,
      22.0
     ],
     "outlettype": [
      "int",
      "int"
     ],
     "id": "obj-6"
    }
   },
   {
    "box": {
     "maxclass": "number",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      20,
      235,
      60.0,
      22.0
     ],
     "id": "obj-7"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      90,
      235,
      60.0,
      22.0
     ],
     "id": "obj-8"
    }
   },
   {
    "box": {
     "maxclass": "comment",
     "text": "frame index, time (s)",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      262,
      150,
      20.0
     ],
     "id": "obj-9"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "print livedual-frame",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      160,
      200,
      154.0,
      22.0
     ],
     "id": "obj-10"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      330,
      200,
      60.0,
      22.0
     ],
     "id": "obj-11"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "> 0.5",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      330,
      235,
      49.0,
      22.0
     ],
     "outlettype": [
      "int"
     ],
     "id": "obj-12"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "sel 1",
     "numinlets": 2,
     "numoutlets": 2,
     "patching_rect": [
      330,
      270,
      49.0,
      22.0
     ],
     "outlettype": [
      "bang",
      ""
     ],
     "id": "obj-13"
    }
   },
   {
    "box": {
     "maxclass": "button",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      330,
      305,
      24.0,
      24.0
     ],
     "outlettype": [
      "bang"
     ],
     "parameter_enable": 0,
     "id": "obj-14"
    }
   },
   {
    "box": {
     "maxclass": "comment",
     "text": "beat",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      360,
      305,
      60,
      20.0
     ],
     "id": "obj-15"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "unpack 0. 0. 0.",
     "numinlets": 1,
     "numoutlets": 3,
     "patching_rect": [
      450,
      200,
      119.0,
      22.0
     ],
     "outlettype": [
      "float",
      "float",
      "float"
     ],
     "id": "obj-16"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      450,
      235,
      60.0,
      22.0
     ],
     "id": "obj-17"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      515,
      235,
      60.0,
      22.0
     ],
     "id": "obj-18"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      580,
      235,
      60.0,
      22.0
     ],
     "id": "obj-19"
    }
   },
   {
    "box": {
     "maxclass": "comment",
     "text": "root translation x y z (m)",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      450,
      262,
      200,
      20.0
     ],
     "id": "obj-20"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "route /livedual/joint/pelvis /livedual/joint/left_hip /livedual/joint/right_hip /livedual/joint/spine1 /livedual/joint/left_knee /livedual/joint/right_knee /livedual/joint/spine2 /livedual/joint/left_ankle /livedual/joint/right_ankle /livedual/joint/spine3 /livedual/joint/left_foot /livedual/joint/right_foot /livedual/joint/neck /livedual/joint/left_collar /livedual/joint/right_collar /livedual/joint/head /livedual/joint/left_shoulder /livedual/joint/right_shoulder /livedual/joint/left_elbow /livedual/joint/right_elbow /livedual/joint/left_wrist /livedual/joint/right_wrist /livedual/joint/left_hand /livedual/joint/right_hand",
     "numinlets": 2,
     "numoutlets": 25,
     "patching_rect": [
      20,
      450,
      1100.0,
      22.0
     ],
     "outlettype": [
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
      ""
     ],
     "id": "obj-21"
    }
   },
   {
    "box": {
     "maxclass": "comment",
     "text": "each joint's local rotation qw qx qy qz goes to [s livedual.joint.NAME]: read it anywhere with [r livedual.joint.head]",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      480,
      700,
      40.0
     ],
     "id": "obj-22"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.pelvis",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      510,
      170.0,
      22.0
     ],
     "id": "obj-23"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_hip",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      195,
      510,
      170.0,
      22.0
     ],
     "id": "obj-24"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_hip",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      370,
      510,
      170.0,
      22.0
     ],
     "id": "obj-25"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.spine1",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      545,
      510,
      170.0,
      22.0
     ],
     "id": "obj-26"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_knee",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      720,
      510,
      170.0,
      22.0
     ],
     "id": "obj-27"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_knee",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      895,
      510,
      170.0,
      22.0
     ],
     "id": "obj-28"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.spine2",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      535,
      170.0,
      22.0
     ],
     "id": "obj-29"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_ankle",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      195,
      535,
      170.0,
      22.0
     ],
     "id": "obj-30"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_ankle",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      370,
      535,
      170.0,
      22.0
     ],
     "id": "obj-31"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.spine3",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      545,
      535,
      170.0,
      22.0
     ],
     "id": "obj-32"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_foot",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      720,
      535,
      170.0,
      22.0
     ],
     "id": "obj-33"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_foot",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      895,
      535,
      170.0,
      22.0
     ],
     "id": "obj-34"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.neck",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      560,
      170.0,
      22.0
     ],
     "id": "obj-35"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_collar",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      195,
      560,
      170.0,
      22.0
     ],
     "id": "obj-36"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_collar",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      370,
      560,
      170.0,
      22.0
     ],
     "id": "obj-37"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.head",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      545,
      560,
      170.0,
      22.0
     ],
     "id": "obj-38"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_shoulder",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      720,
      560,
      170.0,
      22.0
     ],
     "id": "obj-39"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_shoulder",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      895,
      560,
      170.0,
      22.0
     ],
     "id": "obj-40"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_elbow",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      20,
      585,
      170.0,
      22.0
     ],
     "id": "obj-41"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_elbow",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      195,
      585,
      170.0,
      22.0
     ],
     "id": "obj-42"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_wrist",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      370,
      585,
      170.0,
      22.0
     ],
     "id": "obj-43"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_wrist",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      545,
      585,
      170.0,
      22.0
     ],
     "id": "obj-44"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.left_hand",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      720,
      585,
      170.0,
      22.0
     ],
     "id": "obj-45"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "s livedual.joint.right_hand",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      895,
      585,
      170.0,
      22.0
     ],
     "id": "obj-46"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "unpack 0. 0. 0. 0.",
     "numinlets": 1,
     "numoutlets": 4,
     "patching_rect": [
      20,
      630,
      140.0,
      22.0
     ],
     "outlettype": [
      "float",
      "float",
      "float",
      "float"
     ],
     "id": "obj-47"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      20,
      665,
      60.0,
      22.0
     ],
     "id": "obj-48"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      85,
      665,
      60.0,
      22.0
     ],
     "id": "obj-49"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      150,
      665,
      60.0,
      22.0
     ],
     "id": "obj-50"
    }
   },
   {
    "box": {
     "maxclass": "flonum",
     "numinlets": 1,
     "numoutlets": 2,
     "outlettype": [
      "",
      "bang"
     ],
     "parameter_enable": 0,
     "patching_rect": [
      215,
      665,
      60.0,
      22.0
     ],
     "id": "obj-51"
    }
   },
   {
    "box": {
     "maxclass": "comment",
     "text": "head: qw qx qy qz",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      290,
      665,
      150,
      20.0
     ],
     "id": "obj-52"
    }
   },
   {
    "box": {
     "maxclass": "comment",
     "text": "NOTES (a small 4-voice synth)",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      720,
      60,
      300,
      20.0
     ],
     "id": "obj-53"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "notein",
     "numinlets": 1,
     "numoutlets": 3,
     "patching_rect": [
      720,
      90,
      56.0,
      22.0
     ],
     "outlettype": [
      "int",
      "int",
      "int"
     ],
     "id": "obj-54"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "pack 0 0",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      720,
      130,
      70.0,
      22.0
     ],
     "outlettype": [
      ""
     ],
     "id": "obj-55"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "poly 4 1",
     "numinlets": 2,
     "numoutlets": 3,
     "patching_rect": [
      720,
      170,
      70.0,
      22.0
     ],
     "outlettype": [
      "int",
      "int",
      "int"
     ],
     "id": "obj-56"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "pack 0 0 0",
     "numinlets": 3,
     "numoutlets": 1,
     "patching_rect": [
      720,
      210,
      84.0,
      22.0
     ],
     "outlettype": [
      ""
     ],
     "id": "obj-57"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "route 1 2 3 4",
     "numinlets": 2,
     "numoutlets": 5,
     "patching_rect": [
      720,
      250,
      105.0,
      22.0
     ],
     "outlettype": [
      "",
      "",
      "",
      "",
      ""
     ],
     "id": "obj-58"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "*~ 0.2",
     "numinlets": 2,
     "numoutlets": 1,
     "patching_rect": [
      720,
      340,
      56.0,
      22.0
     ],
     "outlettype": [
      "signal"
     ],
     "id": "obj-59"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "p livedual-voice",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      720,
      295,
      95.0,
      22.0
     ],
     "outlettype": [
      "signal"
     ],
     "patcher": {
      "fileversion": 1,
      "appversion": {
       "major": 8,
       "minor": 5,
       "revision": 0,
       "architecture": "x64",
       "modernui": 1
      },
      "classnamespace": "box",
      "rect": [
       100.0,
       100.0,
       480.0,
       420.0
      ],
      "bglocked": 0,
      "openinpresentation": 0,
      "default_fontsize": 12.0,
      "default_fontface": 0,
      "default_fontname": "Arial",
      "gridonopen": 1,
      "gridsize": [
       15.0,
       15.0
      ],
      "gridsnaponopen": 1,
      "boxes": [
       {
        "box": {
         "maxclass": "comment",
         "text": "one voice: 'pitch velocity' in, velocity 0 releases",
         "numinlets": 1,
         "numoutlets": 0,
         "patching_rect": [
          20,
          10,
          400,
          20.0
         ],
         "id": "obj-1"
        }
       },
       {
        "box": {
         "maxclass": "inlet",
         "numinlets": 0,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          20,
          40,
          30.0,
          30.0
         ],
         "comment": "",
         "id": "obj-2"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "unpack 0 0",
         "numinlets": 1,
         "numoutlets": 2,
         "patching_rect": [
          20,
          80,
          84.0,
          22.0
         ],
         "outlettype": [
          "int",
          "int"
         ],
         "id": "obj-3"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "mtof",
         "numinlets": 1,
         "numoutlets": 1,
         "patching_rect": [
          20,
          120,
          42.0,
          22.0
         ],
         "outlettype": [
          ""
         ],
         "id": "obj-4"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "cycle~",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          20,
          160,
          56.0,
          22.0
         ],
         "outlettype": [
          "signal"
         ],
         "id": "obj-5"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "sel 0",
         "numinlets": 2,
         "numoutlets": 2,
         "patching_rect": [
          160,
          120,
          49.0,
          22.0
         ],
         "outlettype": [
          "bang",
          ""
         ],
         "id": "obj-6"
        }
       },
       {
        "box": {
         "maxclass": "message",
         "text": "0 250",
         "numinlets": 2,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          160,
          160,
          49.0,
          22.0
         ],
         "id": "obj-7"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "/ 127.",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          230,
          160,
          56.0,
          22.0
         ],
         "outlettype": [
          "float"
         ],
         "id": "obj-8"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "t f f",
         "numinlets": 1,
         "numoutlets": 2,
         "patching_rect": [
          230,
          195,
          49.0,
          22.0
         ],
         "outlettype": [
          "float",
          "float"
         ],
         "id": "obj-9"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "* 0.5",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          290,
          230,
          49.0,
          22.0
         ],
         "outlettype": [
          "float"
         ],
         "id": "obj-10"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "pack 0. 0.",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          230,
          265,
          84.0,
          22.0
         ],
         "outlettype": [
          ""
         ],
         "id": "obj-11"
        }
       },
       {
        "box": {
         "maxclass": "message",
         "text": "$1 8 $2 300",
         "numinlets": 2,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          230,
          300,
          91.0,
          22.0
         ],
         "id": "obj-12"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "line~",
         "numinlets": 2,
         "numoutlets": 2,
         "patching_rect": [
          160,
          340,
          49.0,
          22.0
         ],
         "outlettype": [
          "signal",
          "bang"
         ],
         "id": "obj-13"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "*~",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          20,
          340,
          40.0,
          22.0
         ],
         "outlettype": [
          "signal"
         ],
         "id": "obj-14"
        }
       },
       {
        "box": {
         "maxclass": "outlet",
         "numinlets": 1,
         "numoutlets": 0,
         "patching_rect": [
          20,
          380,
          30.0,
          30.0
         ],
         "comment": "",
         "id": "obj-15"
        }
       }
      ],
      "lines": [
       {
        "patchline": {
         "source": [
          "obj-2",
          0
         ],
         "destination": [
          "obj-3",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-3",
          0
         ],
         "destination": [
          "obj-4",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-4",
          0
         ],
         "destination": [
          "obj-5",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-3",
          1
         ],
         "destination": [
          "obj-6",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-6",
          0
         ],
         "destination": [
          "obj-7",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-6",
          1
         ],
         "destination": [
          "obj-8",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-8",
          0
         ],
         "destination": [
          "obj-9",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-9",
          1
         ],
         "destination": [
          "obj-10",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-10",
          0
         ],
         "destination": [
          "obj-11",
          1
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-9",
          0
         ],
         "destination": [
          "obj-11",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-11",
          0
         ],
         "destination": [
          "obj-12",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-12",
          0
         ],
         "destination": [
          "obj-13",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-7",
          0
         ],
         "destination": [
          "obj-13",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-5",
          0
         ],
         "destination": [
          "obj-14",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-13",
          0
         ],
         "destination": [
          "obj-14",
          1
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-14",
          0
         ],
         "destination": [
          "obj-15",
          0
         ]
        }
       }
      ]
     },
     "id": "obj-60"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "p livedual-voice",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      820,
      295,
      95.0,
      22.0
     ],
     "outlettype": [
      "signal"
     ],
     "patcher": {
      "fileversion": 1,
      "appversion": {
       "major": 8,
       "minor": 5,
       "revision": 0,
       "architecture": "x64",
       "modernui": 1
      },
      "classnamespace": "box",
      "rect": [
       100.0,
       100.0,
       480.0,
       420.0
      ],
      "bglocked": 0,
      "openinpresentation": 0,
      "default_fontsize": 12.0,
      "default_fontface": 0,
      "default_fontname": "Arial",
      "gridonopen": 1,
      "gridsize": [
       15.0,
       15.0
      ],
      "gridsnaponopen": 1,
      "boxes": [
       {
        "box": {
         "maxclass": "comment",
         "text": "one voice: 'pitch velocity' in, velocity 0 releases",
         "numinlets": 1,
         "numoutlets": 0,
         "patching_rect": [
          20,
          10,
          400,
          20.0
         ],
         "id": "obj-1"
        }
       },
       {
        "box": {
         "maxclass": "inlet",
         "numinlets": 0,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          20,
          40,
          30.0,
          30.0
         ],
         "comment": "",
         "id": "obj-2"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "unpack 0 0",
         "numinlets": 1,
         "numoutlets": 2,
         "patching_rect": [
          20,
          80,
          84.0,
          22.0
         ],
         "outlettype": [
          "int",
          "int"
         ],
         "id": "obj-3"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "mtof",
         "numinlets": 1,
         "numoutlets": 1,
         "patching_rect": [
          20,
          120,
          42.0,
          22.0
         ],
         "outlettype": [
          ""
         ],
         "id": "obj-4"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "cycle~",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          20,
          160,
          56.0,
          22.0
         ],
         "outlettype": [
          "signal"
         ],
         "id": "obj-5"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "sel 0",
         "numinlets": 2,
         "numoutlets": 2,
         "patching_rect": [
          160,
          120,
          49.0,
          22.0
         ],
         "outlettype": [
          "bang",
          ""
         ],
         "id": "obj-6"
        }
       },
       {
        "box": {
         "maxclass": "message",
         "text": "0 250",
         "numinlets": 2,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          160,
          160,
          49.0,
          22.0
         ],
         "id": "obj-7"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "/ 127.",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          230,
          160,
          56.0,
          22.0
         ],
         "outlettype": [
          "float"
         ],
         "id": "obj-8"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "t f f",
         "numinlets": 1,
         "numoutlets": 2,
         "patching_rect": [
          230,
          195,
          49.0,
          22.0
         ],
         "outlettype": [
          "float",
          "float"
         ],
         "id": "obj-9"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "* 0.5",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          290,
          230,
          49.0,
          22.0
         ],
         "outlettype": [
          "float"
         ],
         "id": "obj-10"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "pack 0. 0.",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          230,
          265,
          84.0,
          22.0
         ],
         "outlettype": [
          ""
         ],
         "id": "obj-11"
        }
       },
       {
        "box": {
         "maxclass": "message",
         "text": "$1 8 $2 300",
         "numinlets": 2,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          230,
          300,
          91.0,
          22.0
         ],
         "id": "obj-12"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "line~",
         "numinlets": 2,
         "numoutlets": 2,
         "patching_rect": [
          160,
          340,
          49.0,
          22.0
         ],
         "outlettype": [
          "signal",
          "bang"
         ],
         "id": "obj-13"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "*~",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          20,
          340,
          40.0,
          22.0
         ],
         "outlettype": [
          "signal"
         ],
         "id": "obj-14"
        }
       },
       {
        "box": {
         "maxclass": "outlet",
         "numinlets": 1,
         "numoutlets": 0,
         "patching_rect": [
          20,
          380,
          30.0,
          30.0
         ],
         "comment": "",
         "id": "obj-15"
        }
       }
      ],
      "lines": [
       {
        "patchline": {
         "source": [
          "obj-2",
          0
         ],
         "destination": [
          "obj-3",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-3",
          0
         ],
         "destination": [
          "obj-4",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-4",
          0
         ],
         "destination": [
          "obj-5",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-3",
          1
         ],
         "destination": [
          "obj-6",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-6",
          0
         ],
         "destination": [
          "obj-7",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-6",
          1
         ],
         "destination": [
          "obj-8",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-8",
          0
         ],
         "destination": [
          "obj-9",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-9",
          1
         ],
         "destination": [
          "obj-10",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-10",
          0
         ],
         "destination": [
          "obj-11",
          1
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-9",
          0
         ],
         "destination": [
          "obj-11",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-11",
          0
         ],
         "destination": [
          "obj-12",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-12",
          0
         ],
         "destination": [
          "obj-13",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-7",
          0
         ],
         "destination": [
          "obj-13",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-5",
          0
         ],
         "destination": [
          "obj-14",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-13",
          0
         ],
         "destination": [
          "obj-14",
          1
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-14",
          0
         ],
         "destination": [
          "obj-15",
          0
         ]
        }
       }
      ]
     },
     "id": "obj-61"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "p livedual-voice",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      920,
      295,
      95.0,
      22.0
     ],
     "outlettype": [
      "signal"
     ],
     "patcher": {
      "fileversion": 1,
      "appversion": {
       "major": 8,
       "minor": 5,
       "revision": 0,
       "architecture": "x64",
       "modernui": 1
      },
      "classnamespace": "box",
      "rect": [
       100.0,
       100.0,
       480.0,
       420.0
      ],
      "bglocked": 0,
      "openinpresentation": 0,
      "default_fontsize": 12.0,
      "default_fontface": 0,
      "default_fontname": "Arial",
      "gridonopen": 1,
      "gridsize": [
       15.0,
       15.0
      ],
      "gridsnaponopen": 1,
      "boxes": [
       {
        "box": {
         "maxclass": "comment",
         "text": "one voice: 'pitch velocity' in, velocity 0 releases",
         "numinlets": 1,
         "numoutlets": 0,
         "patching_rect": [
          20,
          10,
          400,
          20.0
         ],
         "id": "obj-1"
        }
       },
       {
        "box": {
         "maxclass": "inlet",
         "numinlets": 0,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          20,
          40,
          30.0,
          30.0
         ],
         "comment": "",
         "id": "obj-2"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "unpack 0 0",
         "numinlets": 1,
         "numoutlets": 2,
         "patching_rect": [
          20,
          80,
          84.0,
          22.0
         ],
         "outlettype": [
          "int",
          "int"
         ],
         "id": "obj-3"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "mtof",
         "numinlets": 1,
         "numoutlets": 1,
         "patching_rect": [
          20,
          120,
          42.0,
          22.0
         ],
         "outlettype": [
          ""
         ],
         "id": "obj-4"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "cycle~",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          20,
          160,
          56.0,
          22.0
         ],
         "outlettype": [
          "signal"
         ],
         "id": "obj-5"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "sel 0",
         "numinlets": 2,
         "numoutlets": 2,
         "patching_rect": [
          160,
          120,
          49.0,
          22.0
         ],
         "outlettype": [
          "bang",
          ""
         ],
         "id": "obj-6"
        }
       },
       {
        "box": {
         "maxclass": "message",
         "text": "0 250",
         "numinlets": 2,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          160,
          160,
          49.0,
          22.0
         ],
         "id": "obj-7"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "/ 127.",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          230,
          160,
          56.0,
          22.0
         ],
         "outlettype": [
          "float"
         ],
         "id": "obj-8"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "t f f",
         "numinlets": 1,
         "numoutlets": 2,
         "patching_rect": [
          230,
          195,
          49.0,
          22.0
         ],
         "outlettype": [
          "float",
          "float"
         ],
         "id": "obj-9"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "* 0.5",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          290,
          230,
          49.0,
          22.0
         ],
         "outlettype": [
          "float"
         ],
         "id": "obj-10"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "pack 0. 0.",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          230,
          265,
          84.0,
          22.0
         ],
         "outlettype": [
          ""
         ],
         "id": "obj-11"
        }
       },
       {
        "box": {
         "maxclass": "message",
         "text": "$1 8 $2 300",
         "numinlets": 2,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          230,
          300,
          91.0,
          22.0
         ],
         "id": "obj-12"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "line~",
         "numinlets": 2,
         "numoutlets": 2,
         "patching_rect": [
          160,
          340,
          49.0,
          22.0
         ],
         "outlettype": [
          "signal",
          "bang"
         ],
         "id": "obj-13"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "*~",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          20,
          340,
          40.0,
          22.0
         ],
         "outlettype": [
          "signal"
         ],
         "id": "obj-14"
        }
       },
       {
        "box": {
         "maxclass": "outlet",
         "numinlets": 1,
         "numoutlets": 0,
         "patching_rect": [
          20,
          380,
          30.0,
          30.0
         ],
         "comment": "",
         "id": "obj-15"
        }
       }
      ],
      "lines": [
       {
        "patchline": {
         "source": [
          "obj-2",
          0
         ],
         "destination": [
          "obj-3",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-3",
          0
         ],
         "destination": [
          "obj-4",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-4",
          0
         ],
         "destination": [
          "obj-5",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-3",
          1
         ],
         "destination": [
          "obj-6",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-6",
          0
         ],
         "destination": [
          "obj-7",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-6",
          1
         ],
         "destination": [
          "obj-8",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-8",
          0
         ],
         "destination": [
          "obj-9",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-9",
          1
         ],
         "destination": [
          "obj-10",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-10",
          0
         ],
         "destination": [
          "obj-11",
          1
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-9",
          0
         ],
         "destination": [
          "obj-11",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-11",
          0
         ],
         "destination": [
          "obj-12",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-12",
          0
         ],
         "destination": [
          "obj-13",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-7",
          0
         ],
         "destination": [
          "obj-13",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-5",
          0
         ],
         "destination": [
          "obj-14",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-13",
          0
         ],
         "destination": [
          "obj-14",
          1
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-14",
          0
         ],
         "destination": [
          "obj-15",
          0
         ]
        }
       }
      ]
     },
     "id": "obj-62"
    }
   },
   {
    "box": {
     "maxclass": "newobj",
     "text": "p livedual-voice",
     "numinlets": 1,
     "numoutlets": 1,
     "patching_rect": [
      1020,
      295,
      95.0,
      22.0
     ],
     "outlettype": [
      "signal"
     ],
     "patcher": {
      "fileversion": 1,
      "appversion": {
       "major": 8,
       "minor": 5,
       "revision": 0,
       "architecture": "x64",
       "modernui": 1
      },
      "classnamespace": "box",
      "rect": [
       100.0,
       100.0,
       480.0,
       420.0
      ],
      "bglocked": 0,
      "openinpresentation": 0,
      "default_fontsize": 12.0,
      "default_fontface": 0,
      "default_fontname": "Arial",
      "gridonopen": 1,
      "gridsize": [
       15.0,
       15.0
      ],
      "gridsnaponopen": 1,
      "boxes": [
       {
        "box": {
         "maxclass": "comment",
         "text": "one voice: 'pitch velocity' in, velocity 0 releases",
         "numinlets": 1,
         "numoutlets": 0,
         "patching_rect": [
          20,
          10,
          400,
          20.0
         ],
         "id": "obj-1"
        }
       },
       {
        "box": {
         "maxclass": "inlet",
         "numinlets": 0,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          20,
          40,
          30.0,
          30.0
         ],
         "comment": "",
         "id": "obj-2"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "unpack 0 0",
         "numinlets": 1,
         "numoutlets": 2,
         "patching_rect": [
          20,
          80,
          84.0,
          22.0
         ],
         "outlettype": [
          "int",
          "int"
         ],
         "id": "obj-3"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "mtof",
         "numinlets": 1,
         "numoutlets": 1,
         "patching_rect": [
          20,
          120,
          42.0,
          22.0
         ],
         "outlettype": [
          ""
         ],
         "id": "obj-4"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "cycle~",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          20,
          160,
          56.0,
          22.0
         ],
         "outlettype": [
          "signal"
         ],
         "id": "obj-5"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "sel 0",
         "numinlets": 2,
         "numoutlets": 2,
         "patching_rect": [
          160,
          120,
          49.0,
          22.0
         ],
         "outlettype": [
          "bang",
          ""
         ],
         "id": "obj-6"
        }
       },
       {
        "box": {
         "maxclass": "message",
         "text": "0 250",
         "numinlets": 2,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          160,
          160,
          49.0,
          22.0
         ],
         "id": "obj-7"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "/ 127.",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          230,
          160,
          56.0,
          22.0
         ],
         "outlettype": [
          "float"
         ],
         "id": "obj-8"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "t f f",
         "numinlets": 1,
         "numoutlets": 2,
         "patching_rect": [
          230,
          195,
          49.0,
          22.0
         ],
         "outlettype": [
          "float",
          "float"
         ],
         "id": "obj-9"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "* 0.5",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          290,
          230,
          49.0,
          22.0
         ],
         "outlettype": [
          "float"
         ],
         "id": "obj-10"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "pack 0. 0.",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          230,
          265,
          84.0,
          22.0
         ],
         "outlettype": [
          ""
         ],
         "id": "obj-11"
        }
       },
       {
        "box": {
         "maxclass": "message",
         "text": "$1 8 $2 300",
         "numinlets": 2,
         "numoutlets": 1,
         "outlettype": [
          ""
         ],
         "patching_rect": [
          230,
          300,
          91.0,
          22.0
         ],
         "id": "obj-12"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "line~",
         "numinlets": 2,
         "numoutlets": 2,
         "patching_rect": [
          160,
          340,
          49.0,
          22.0
         ],
         "outlettype": [
          "signal",
          "bang"
         ],
         "id": "obj-13"
        }
       },
       {
        "box": {
         "maxclass": "newobj",
         "text": "*~",
         "numinlets": 2,
         "numoutlets": 1,
         "patching_rect": [
          20,
          340,
          40.0,
          22.0
         ],
         "outlettype": [
          "signal"
         ],
         "id": "obj-14"
        }
       },
       {
        "box": {
         "maxclass": "outlet",
         "numinlets": 1,
         "numoutlets": 0,
         "patching_rect": [
          20,
          380,
          30.0,
          30.0
         ],
         "comment": "",
         "id": "obj-15"
        }
       }
      ],
      "lines": [
       {
        "patchline": {
         "source": [
          "obj-2",
          0
         ],
         "destination": [
          "obj-3",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-3",
          0
         ],
         "destination": [
          "obj-4",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-4",
          0
         ],
         "destination": [
          "obj-5",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-3",
          1
         ],
         "destination": [
          "obj-6",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-6",
          0
         ],
         "destination": [
          "obj-7",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-6",
          1
         ],
         "destination": [
          "obj-8",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-8",
          0
         ],
         "destination": [
          "obj-9",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-9",
          1
         ],
         "destination": [
          "obj-10",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-10",
          0
         ],
         "destination": [
          "obj-11",
          1
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-9",
          0
         ],
         "destination": [
          "obj-11",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-11",
          0
         ],
         "destination": [
          "obj-12",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-12",
          0
         ],
         "destination": [
          "obj-13",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-7",
          0
         ],
         "destination": [
          "obj-13",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-5",
          0
         ],
         "destination": [
          "obj-14",
          0
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-13",
          0
         ],
         "destination": [
          "obj-14",
          1
         ]
        }
       },
       {
        "patchline": {
         "source": [
          "obj-14",
          0
         ],
         "destination": [
          "obj-15",
          0
         ]
        }
       }
      ]
     },
     "id": "obj-63"
    }
   },
   {
    "box": {
     "maxclass": "ezdac~",
     "numinlets": 2,
     "numoutlets": 0,
     "patching_rect": [
      720,
      380,
      45.0,
      45.0
     ],
     "id": "obj-64"
    }
   },
   {
    "box": {
     "maxclass": "comment",
     "text": "click to start audio",
     "numinlets": 1,
     "numoutlets": 0,
     "patching_rect": [
      775,
      390,
      200,
      20.0
     ],
     "id": "obj-65"
    }
   }
  ],
  "lines": [
   {
    "patchline": {
     "source": [
      "obj-3",
      0
     ],
     "destination": [
      "obj-4",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-4",
      0
     ],
     "destination": [
      "obj-5",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      0
     ],
     "destination": [
      "obj-6",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-6",
      0
     ],
     "destination": [
      "obj-7",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-6",
      1
     ],
     "destination": [
      "obj-8",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      0
     ],
     "destination": [
      "obj-10",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      1
     ],
     "destination": [
      "obj-11",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      1
     ],
     "destination": [
      "obj-12",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-12",
      0
     ],
     "destination": [
      "obj-13",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-13",
      0
     ],
     "destination": [
      "obj-14",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      2
     ],
     "destination": [
      "obj-16",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-16",
      0
     ],
     "destination": [
      "obj-17",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-16",
      1
     ],
     "destination": [
      "obj-18",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-16",
      2
     ],
     "destination": [
      "obj-19",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-5",
      3
     ],
     "destination": [
      "obj-21",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      0
     ],
     "destination": [
      "obj-23",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      1
     ],
     "destination": [
      "obj-24",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      2
     ],
     "destination": [
      "obj-25",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      3
     ],
     "destination": [
      "obj-26",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      4
     ],
     "destination": [
      "obj-27",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      5
     ],
     "destination": [
      "obj-28",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      6
     ],
     "destination": [
      "obj-29",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      7
     ],
     "destination": [
      "obj-30",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      8
     ],
     "destination": [
      "obj-31",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      9
     ],
     "destination": [
      "obj-32",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      10
     ],
     "destination": [
      "obj-33",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      11
     ],
     "destination": [
      "obj-34",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      12
     ],
     "destination": [
      "obj-35",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      13
     ],
     "destination": [
      "obj-36",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      14
     ],
     "destination": [
      "obj-37",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      15
     ],
     "destination": [
      "obj-38",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      16
     ],
     "destination": [
      "obj-39",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      17
     ],
     "destination": [
      "obj-40",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      18
     ],
     "destination": [
      "obj-41",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      19
     ],
     "destination": [
      "obj-42",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      20
     ],
     "destination": [
      "obj-43",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      21
     ],
     "destination": [
      "obj-44",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      22
     ],
     "destination": [
      "obj-45",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      23
     ],
     "destination": [
      "obj-46",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-21",
      15
     ],
     "destination": [
      "obj-47",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-47",
      0
     ],
     "destination": [
      "obj-48",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-47",
      1
     ],
     "destination": [
      "obj-49",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-47",
      2
     ],
     "destination": [
      "obj-50",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-47",
      3
     ],
     "destination": [
      "obj-51",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-54",
      0
     ],
     "destination": [
      "obj-55",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-54",
      1
     ],
     "destination": [
      "obj-55",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-55",
      0
     ],
     "destination": [
      "obj-56",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-56",
      0
     ],
     "destination": [
      "obj-57",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-56",
      1
     ],
     "destination": [
      "obj-57",
      1
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-56",
      2
     ],
     "destination": [
      "obj-57",
      2
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-57",
      0
     ],
     "destination": [
      "obj-58",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-58",
      0
     ],
     "destination": [
      "obj-60",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-60",
      0
     ],
     "destination": [
      "obj-59",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-58",
      1
     ],
     "destination": [
      "obj-61",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-61",
      0
     ],
     "destination": [
      "obj-59",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-58",
      2
     ],
     "destination": [
      "obj-62",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-62",
      0
     ],
     "destination": [
      "obj-59",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-58",
      3
     ],
     "destination": [
      "obj-63",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-63",
      0
     ],
     "destination": [
      "obj-59",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-59",
      0
     ],
     "destination": [
      "obj-64",
      0
     ]
    }
   },
   {
    "patchline": {
     "source": [
      "obj-59",
      0
     ],
     "destination": [
      "obj-64",
      1
     ]
    }
   }
  ]
 }
}